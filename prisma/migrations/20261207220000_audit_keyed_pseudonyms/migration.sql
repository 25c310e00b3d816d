-- Hand-written: nothing here is in the Prisma schema. Why: docs/decisions/0040-erasure-that-holds.md.
--
-- Hash version 3 (lib/audit/chain.ts) covers every field that can name a person (actor, target,
-- client address, user agent, each top-level metadata value) as its HMAC-SHA256 under
-- AUDIT_PSEUDONYM_KEY, a key the database and the logs never see. Such a field can be replaced by
-- "pseudonym:<ref>" (ids) or "redacted:<ref>" (the rest) and the chain still verifies. The app
-- computes the references (it has the key), so the database can only check their shape; a wrong
-- reference is caught by verification (npm run audit:verify), as a forged pseudonym was before.

-- audit_keyed_change(old, new, prefix): the value is unchanged, or a not yet replaced value became
-- prefix || 64 hex digits.
CREATE FUNCTION audit_keyed_change(p_old text, p_new text, p_prefix text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT p_new IS NOT DISTINCT FROM p_old
      OR (p_old IS NOT NULL
          AND p_old !~ '^(pseudonym|redacted):[0-9a-f]{64}$'
          AND p_new ~ ('^' || p_prefix || '[0-9a-f]{64}$'))
$$;

-- audit_metadata_redaction(old, new): both objects with the same keys, each value unchanged or a
-- value not yet redacted that became the string 'redacted:' || 64 hex digits.
CREATE FUNCTION audit_metadata_redaction(p_old jsonb, p_new jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_typeof(p_old) = 'object' AND jsonb_typeof(p_new) = 'object'
     AND NOT EXISTS (
       SELECT 1 FROM jsonb_each(p_old) o FULL JOIN jsonb_each(p_new) n ON o.key = n.key
       WHERE o.key IS NULL OR n.key IS NULL
          OR (n.value IS DISTINCT FROM o.value
              AND NOT (jsonb_typeof(n.value) = 'string'
                       AND n.value #>> '{}' ~ '^redacted:[0-9a-f]{64}$'
                       AND NOT (jsonb_typeof(o.value) = 'string'
                                AND o.value #>> '{}' ~ '^(pseudonym|redacted):[0-9a-f]{64}$'))))
$$;

-- The trigger as in the audit_target_pseudonym migration, with two changes:
-- - the 'pseudonymize' path (SHA-256 pseudonyms) is for version 1 and 2 rows only: a version 3
--   row's hash covers keyed references, which a SHA-256 pseudonym would break;
-- - a new 'redact' path, version 3 rows only: actorId (USER actors) and targetId ('user' targets)
--   may become 'pseudonym:<ref>', actorIp and actorUserAgent 'redacted:<ref>', metadata values
--   'redacted:<ref>' (same keys); nothing else in the row may change.
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  maintenance text := current_setting('shipshape.audit_maintenance', true);
BEGIN
  -- Nested IFs: PL/pgSQL prepares a whole condition at once, so OLD."actorId" may only appear where
  -- OLD is known to be an "AuditEvent" row.
  IF TG_TABLE_NAME = 'AuditEvent' THEN
    IF TG_OP = 'DELETE' AND maintenance = 'prune' THEN
      RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND maintenance = 'pseudonymize' AND OLD."hashVersion" < 3 THEN
      IF (NEW."actorId" IS NOT DISTINCT FROM OLD."actorId"
          OR (OLD."actorId" NOT LIKE 'pseudonym:%'
              AND NEW."actorId" = 'pseudonym:' || encode(sha256(convert_to(OLD."actorId", 'UTF8')), 'hex')))
         AND (NEW."targetId" IS NOT DISTINCT FROM OLD."targetId"
          OR (OLD."hashVersion" >= 2 AND OLD."targetType" = 'user'
              AND OLD."targetId" NOT LIKE 'pseudonym:%'
              AND NEW."targetId" = 'pseudonym:' || encode(sha256(convert_to(OLD."targetId", 'UTF8')), 'hex')))
         AND to_jsonb(NEW) - 'actorId' - 'targetId' = to_jsonb(OLD) - 'actorId' - 'targetId' THEN
        RETURN NEW;
      END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND maintenance = 'redact' AND OLD."hashVersion" >= 3 THEN
      IF (NEW."actorId" IS NOT DISTINCT FROM OLD."actorId"
          OR (OLD."actorType" = 'USER' AND audit_keyed_change(OLD."actorId", NEW."actorId", 'pseudonym:')))
         AND (NEW."targetId" IS NOT DISTINCT FROM OLD."targetId"
          OR (OLD."targetType" = 'user' AND audit_keyed_change(OLD."targetId", NEW."targetId", 'pseudonym:')))
         AND audit_keyed_change(OLD."actorIp", NEW."actorIp", 'redacted:')
         AND audit_keyed_change(OLD."actorUserAgent", NEW."actorUserAgent", 'redacted:')
         AND audit_metadata_redaction(OLD.metadata, NEW.metadata)
         AND to_jsonb(NEW) - 'actorId' - 'targetId' - 'actorIp' - 'actorUserAgent' - 'metadata'
           = to_jsonb(OLD) - 'actorId' - 'targetId' - 'actorIp' - 'actorUserAgent' - 'metadata' THEN
        RETURN NEW;
      END IF;
    END IF;
  END IF;
  -- The guidance is in the message itself: Prisma shows the message but not a HINT.
  RAISE EXCEPTION '"%" is append-only: % refused. Audit events are deleted only by retention '
    '(pruneAuditEvents in lib/audit) and changed only by pseudonymizeAuditUser and redactAuditEvents; see '
    'docs/decisions/0009-audit-log.md and 0040-erasure-that-holds.md.', TG_TABLE_NAME, TG_OP;
END;
$$;

-- The SHA-256 pseudonymization, now for version 1 and 2 rows only (their hashes cover SHA-256
-- references); version 3 rows are pseudonymized with keyed pseudonyms through audit_redact_events.
CREATE OR REPLACE FUNCTION audit_pseudonymize_user(p_user_id text)
RETURNS TABLE (as_actor bigint, as_target bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  pseudonym text := 'pseudonym:' || encode(sha256(convert_to(p_user_id, 'UTF8')), 'hex');
BEGIN
  PERFORM set_config('shipshape.audit_maintenance', 'pseudonymize', true);
  RETURN QUERY
  WITH changed AS (
    UPDATE "AuditEvent" e SET
      "actorId" = CASE WHEN e."actorType" = 'USER' AND e."actorId" = p_user_id
                       THEN pseudonym ELSE e."actorId" END,
      "targetId" = CASE WHEN e."targetType" = 'user' AND e."targetId" = p_user_id AND e."hashVersion" = 2
                        THEN pseudonym ELSE e."targetId" END
    WHERE e."hashVersion" < 3
      AND ((e."actorType" = 'USER' AND e."actorId" = p_user_id)
        OR (e."targetType" = 'user' AND e."targetId" = p_user_id AND e."hashVersion" = 2))
    RETURNING e."actorId", e."targetId"
  )
  SELECT count(*) FILTER (WHERE changed."actorId" = pseudonym),
         count(*) FILTER (WHERE changed."targetId" = pseudonym)
  FROM changed;
  PERFORM set_config('shipshape.audit_maintenance', '', true);
END;
$$;

-- audit_redact_events(changes): applies a JSON array of
-- {"id", "actorId"?, "targetId"?, "actorIp"?, "actorUserAgent"?, "metadata"?} (each key present is
-- the new value) to version 3 events, under the trigger's 'redact' path. Returns the rows changed.
CREATE FUNCTION audit_redact_events(p_changes jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  changed bigint;
BEGIN
  PERFORM set_config('shipshape.audit_maintenance', 'redact', true);
  UPDATE "AuditEvent" e SET
    "actorId" = CASE WHEN c.change ? 'actorId' THEN c.change ->> 'actorId' ELSE e."actorId" END,
    "targetId" = CASE WHEN c.change ? 'targetId' THEN c.change ->> 'targetId' ELSE e."targetId" END,
    "actorIp" = CASE WHEN c.change ? 'actorIp' THEN c.change ->> 'actorIp' ELSE e."actorIp" END,
    "actorUserAgent" = CASE WHEN c.change ? 'actorUserAgent' THEN c.change ->> 'actorUserAgent'
                            ELSE e."actorUserAgent" END,
    metadata = CASE WHEN c.change ? 'metadata' THEN c.change -> 'metadata' ELSE e.metadata END
  FROM jsonb_array_elements(p_changes) AS c(change)
  WHERE e.id = (c.change ->> 'id')::uuid;
  GET DIAGNOSTICS changed = ROW_COUNT;
  PERFORM set_config('shipshape.audit_maintenance', '', true);
  RETURN changed;
END;
$$;

-- Executable by the roles that may pseudonymize today (the app's role, when it is not the owner:
-- lib/audit/README.md), and by no one else.
REVOKE ALL ON FUNCTION audit_redact_events(jsonb) FROM PUBLIC;
DO $$
DECLARE
  grantee_name text;
BEGIN
  FOR grantee_name IN
    SELECT DISTINCT a.grantee::regrole::text
    FROM pg_proc p, aclexplode(p.proacl) a
    WHERE p.oid = 'audit_pseudonymize_user(text)'::regprocedure
      AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION audit_redact_events(jsonb) TO %s', grantee_name);
  END LOOP;
END;
$$;
