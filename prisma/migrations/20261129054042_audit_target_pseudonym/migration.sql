-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "hashVersion" SMALLINT NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_idx" ON "AuditEvent"("targetType", "targetId");

-- Hand-written below: what the Prisma schema cannot express. Why: docs/decisions/0009-audit-log.md
-- ("Canonical form versions").
--
-- "hashVersion" says which canonical form an event's hash covers. Version 1 (every row above, filled
-- in by the column's default without an UPDATE, so the append-only trigger does not fire) covers
-- targetId as it is; version 2 (what recordAuditEvent writes from now on) covers it as its SHA-256,
-- as both versions cover the actor. So on version 2 rows a deleted user's id can be replaced by its
-- pseudonym where it is the target too, and the chain still verifies; version 1 rows keep a user
-- target's raw id until retention deletes them.

-- The trigger as in the audit_log migration, with the 'pseudonymize' path widened to exactly these
-- changes, alone or together, and nothing else in the row:
-- - actorId becomes 'pseudonym:' || sha256(actorId) (as before);
-- - on a version 2 row whose targetType is 'user', targetId becomes 'pseudonym:' || sha256(targetId).
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
    IF TG_OP = 'UPDATE' AND maintenance = 'pseudonymize' THEN
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
  END IF;
  -- The guidance is in the message itself: Prisma shows the message but not a HINT.
  RAISE EXCEPTION '"%" is append-only: % refused. Audit events are deleted only by retention '
    '(pruneAuditEvents in lib/audit) and changed only by pseudonymizeAuditUser; see '
    'docs/decisions/0009-audit-log.md.', TG_TABLE_NAME, TG_OP;
END;
$$;

-- A user's hard delete: replaces their id by 'pseudonym:' || sha256(id) on every event they
-- performed (actorId) and on every version 2 event done to them (a 'user' target). Returns how many
-- events changed as actor and as target (an event can count in both). Replaces
-- audit_pseudonymize_actor, which changed actors only.
CREATE FUNCTION audit_pseudonymize_user(p_user_id text)
RETURNS TABLE (as_actor bigint, as_target bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  pseudonym text := 'pseudonym:' || encode(sha256(convert_to(p_user_id, 'UTF8')), 'hex');
BEGIN
  PERFORM set_config('shipshape.audit_maintenance', 'pseudonymize', true);
  -- RETURNING gives the new values: an id equal to the pseudonym was the user's id a moment ago.
  RETURN QUERY
  WITH changed AS (
    UPDATE "AuditEvent" e SET
      "actorId" = CASE WHEN e."actorType" = 'USER' AND e."actorId" = p_user_id
                       THEN pseudonym ELSE e."actorId" END,
      "targetId" = CASE WHEN e."targetType" = 'user' AND e."targetId" = p_user_id AND e."hashVersion" >= 2
                        THEN pseudonym ELSE e."targetId" END
    WHERE (e."actorType" = 'USER' AND e."actorId" = p_user_id)
       OR (e."targetType" = 'user' AND e."targetId" = p_user_id AND e."hashVersion" >= 2)
    RETURNING e."actorId", e."targetId"
  )
  SELECT count(*) FILTER (WHERE changed."actorId" = pseudonym),
         count(*) FILTER (WHERE changed."targetId" = pseudonym)
  FROM changed;
  PERFORM set_config('shipshape.audit_maintenance', '', true);
END;
$$;

-- SECURITY DEFINER functions are executable by everyone unless revoked. A role that was granted the
-- old function (the app's role, when it is not the owner: lib/audit/README.md) gets the new one, so a
-- deploy does not turn every hard delete into "permission denied".
REVOKE ALL ON FUNCTION audit_pseudonymize_user(text) FROM PUBLIC;
DO $$
DECLARE
  grantee_name text;
BEGIN
  FOR grantee_name IN
    SELECT DISTINCT a.grantee::regrole::text
    FROM pg_proc p, aclexplode(p.proacl) a
    WHERE p.oid = 'audit_pseudonymize_actor(text)'::regprocedure
      AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION audit_pseudonymize_user(text) TO %s', grantee_name);
  END LOOP;
END;
$$;
DROP FUNCTION audit_pseudonymize_actor(text);
