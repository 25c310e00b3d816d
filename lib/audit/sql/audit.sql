-- lib/audit's SQL: what the Prisma schema cannot express, in its current version, for an app that
-- copies lib/audit (the tables come from lib/audit/audit.prisma through the app's own migration).
-- Apply it after the migration that creates "AuditEvent" and "AuditCheckpoint":
--   npx tsx lib/db/sql-file.ts lib/audit/sql/audit.sql     (in Shipshape: npm run db:sql-file -- …)
-- or paste it into a migration of its own (npx prisma migrate dev --create-only --name audit_sql).
-- Running it again changes nothing. In this repository the migrations are the source of truth
-- (audit_log, audit_target_pseudonym, audit_keyed_pseudonyms); tests/integration/audit-module-sql.test.ts checks that this
-- file creates exactly the functions, triggers and privileges they do. Why: decision 0009.

-- audit_keyed_change(old, new, prefix): the value is unchanged, or a not yet replaced value became
-- prefix || 64 hex digits.
CREATE OR REPLACE FUNCTION audit_keyed_change(p_old text, p_new text, p_prefix text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT p_new IS NOT DISTINCT FROM p_old
      OR (p_old IS NOT NULL
          AND p_old !~ '^(pseudonym|redacted):[0-9a-f]{64}$'
          AND p_new ~ ('^' || p_prefix || '[0-9a-f]{64}$'))
$$;

-- audit_metadata_redaction(old, new): both objects with the same keys, each value unchanged or a
-- value not yet redacted that became the string 'redacted:' || 64 hex digits.
CREATE OR REPLACE FUNCTION audit_metadata_redaction(p_old jsonb, p_new jsonb) RETURNS boolean
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

-- Append-only enforcement for "AuditEvent" and "AuditCheckpoint". Every UPDATE, DELETE and TRUNCATE
-- is refused, whoever runs it, except two narrow paths on "AuditEvent", each opened only inside its
-- own function below through a transaction-local setting:
-- - 'prune': retention deleting events (audit_prune_chain);
-- - 'pseudonymize': a deleted user's id replaced by 'pseudonym:' || sha256(id), as actorId, and as
--   targetId on a version 2 row whose targetType is 'user', and nothing else in the row
--   (audit_pseudonymize_user), on version 1 and 2 rows only. The hash chain covers both as their
--   SHA-256, so it still verifies;
-- - 'redact': on version 3 rows (decision 0040), actorId (USER actors) and targetId ('user' targets)
--   may become 'pseudonym:<ref>', actorIp and actorUserAgent 'redacted:<ref>', metadata values
--   'redacted:<ref>' (same keys), and nothing else (audit_redact_events). The chain covers those
--   fields as their HMAC under AUDIT_PSEUDONYM_KEY, the <ref>, so it still verifies.
-- A role that owns the table can still disable or drop the trigger, and a superuser can skip it with
-- session_replication_role = replica: this stops accidents, and the hash chain detects the rest.
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

DROP TRIGGER IF EXISTS "AuditEvent_append_only" ON "AuditEvent";
CREATE TRIGGER "AuditEvent_append_only" BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP TRIGGER IF EXISTS "AuditEvent_no_truncate" ON "AuditEvent";
CREATE TRIGGER "AuditEvent_no_truncate" BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
DROP TRIGGER IF EXISTS "AuditCheckpoint_append_only" ON "AuditCheckpoint";
CREATE TRIGGER "AuditCheckpoint_append_only" BEFORE UPDATE OR DELETE ON "AuditCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP TRIGGER IF EXISTS "AuditCheckpoint_no_truncate" ON "AuditCheckpoint";
CREATE TRIGGER "AuditCheckpoint_no_truncate" BEFORE TRUNCATE ON "AuditCheckpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Retention for one chain: deletes the longest run of events at the start of the chain that are all
-- older than p_cutoff, and records where the chain now resumes (the seq and hash of the last deleted
-- event) in "AuditCheckpoint", in the same transaction. Takes the chain's append lock (the same key
-- as recordAuditEvent in lib/audit/record.ts: 1635083380 is 'audt') so no append interleaves.
-- SECURITY DEFINER with its creation-time search_path: an app role that is not the tables' owner can
-- be granted EXECUTE on this function while holding no DELETE privilege on "AuditEvent" at all.
CREATE OR REPLACE FUNCTION audit_prune_chain(p_chain text, p_cutoff timestamptz)
RETURNS TABLE (pruned bigint, checkpoint_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  first_kept bigint;
  last_pruned "AuditEvent"%ROWTYPE;
  deleted bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1635083380, hashtext(p_chain));
  SELECT min(e.seq) INTO first_kept FROM "AuditEvent" e WHERE e.chain = p_chain AND e.at >= p_cutoff;
  SELECT * INTO last_pruned FROM "AuditEvent" e
    WHERE e.chain = p_chain AND (first_kept IS NULL OR e.seq < first_kept)
    ORDER BY e.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0::bigint, NULL::bigint;
    RETURN;
  END IF;

  PERFORM set_config('shipshape.audit_maintenance', 'prune', true);
  DELETE FROM "AuditEvent" e WHERE e.chain = p_chain AND e.seq <= last_pruned.seq;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('shipshape.audit_maintenance', '', true);

  INSERT INTO "AuditCheckpoint" (chain, seq, hash, "lastEventAt", "prunedCount")
    VALUES (p_chain, last_pruned.seq, last_pruned.hash, last_pruned.at, deleted);
  RETURN QUERY SELECT deleted, last_pruned.seq;
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

-- The earlier version of the above, which changed actors only (an app that pasted the audit_log
-- migration's SQL before audit_target_pseudonym has it): gone, as after the migrations.
DROP FUNCTION IF EXISTS audit_pseudonymize_actor(text);

-- audit_redact_events(changes): applies a JSON array of
-- {"id", "actorId"?, "targetId"?, "actorIp"?, "actorUserAgent"?, "metadata"?} (each key present is
-- the new value) to version 3 events, under the trigger's 'redact' path. Returns the rows changed.
CREATE OR REPLACE FUNCTION audit_redact_events(p_changes jsonb) RETURNS bigint
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

-- SECURITY DEFINER functions are executable by everyone unless revoked; grant them to the app's role
-- when it is not the owner (lib/audit/README.md).
REVOKE ALL ON FUNCTION audit_prune_chain(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_pseudonymize_user(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_redact_events(jsonb) FROM PUBLIC;
