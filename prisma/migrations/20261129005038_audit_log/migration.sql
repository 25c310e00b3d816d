-- CreateEnum
CREATE TYPE "AuditActorType" AS ENUM ('USER', 'SYSTEM', 'ANONYMOUS');

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "chain" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actorType" "AuditActorType" NOT NULL,
    "actorId" TEXT,
    "actorIp" TEXT,
    "actorUserAgent" TEXT,
    "orgId" UUID,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "metadata" JSONB NOT NULL,
    "requestId" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "chain" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "lastEventAt" TIMESTAMPTZ(3) NOT NULL,
    "prunedCount" BIGINT NOT NULL,
    "prunedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("chain","seq")
);

-- CreateIndex
CREATE INDEX "AuditEvent_orgId_at_idx" ON "AuditEvent"("orgId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_at_idx" ON "AuditEvent"("actorId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_chain_seq_key" ON "AuditEvent"("chain", "seq");

-- Hand-written below: what the Prisma schema cannot express. Why: docs/decisions/0009-audit-log.md.

-- Append-only enforcement for "AuditEvent" and "AuditCheckpoint". Every UPDATE, DELETE and TRUNCATE
-- is refused, whoever runs it, except two narrow paths on "AuditEvent", each opened only inside its
-- own function below through a transaction-local setting:
-- - 'prune': retention deleting events (audit_prune_chain);
-- - 'pseudonymize': replacing a user's actorId by 'pseudonym:' || sha256(actorId) and changing
--   nothing else (audit_pseudonymize_actor). The hash chain covers the actor as sha256(actorId), so
--   the chain still verifies afterwards.
-- A role that owns the table can still disable or drop the trigger, and a superuser can skip it with
-- session_replication_role = replica: this stops accidents, and the hash chain detects the rest.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
      IF OLD."actorId" NOT LIKE 'pseudonym:%'
         AND NEW."actorId" = 'pseudonym:' || encode(sha256(convert_to(OLD."actorId", 'UTF8')), 'hex')
         AND to_jsonb(NEW) - 'actorId' = to_jsonb(OLD) - 'actorId' THEN
        RETURN NEW;
      END IF;
    END IF;
  END IF;
  -- The guidance is in the message itself: Prisma shows the message but not a HINT.
  RAISE EXCEPTION '"%" is append-only: % refused. Audit events are deleted only by retention '
    '(pruneAuditEvents in lib/audit) and changed only by pseudonymizeAuditActor; see '
    'docs/decisions/0009-audit-log.md.', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER "AuditEvent_append_only" BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "AuditEvent_no_truncate" BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "AuditCheckpoint_append_only" BEFORE UPDATE OR DELETE ON "AuditCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "AuditCheckpoint_no_truncate" BEFORE TRUNCATE ON "AuditCheckpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Retention for one chain: deletes the longest run of events at the start of the chain that are all
-- older than p_cutoff, and records where the chain now resumes (the seq and hash of the last deleted
-- event) in "AuditCheckpoint", in the same transaction. Takes the chain's append lock (the same key
-- as recordAuditEvent in lib/audit/append.ts: 1635083380 is 'audt') so no append interleaves.
-- SECURITY DEFINER with its creation-time search_path: an app role that is not the tables' owner can
-- be granted EXECUTE on this function while holding no DELETE privilege on "AuditEvent" at all.
CREATE FUNCTION audit_prune_chain(p_chain text, p_cutoff timestamptz)
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

-- A user's hard delete: replaces their id in actorId by 'pseudonym:' || sha256(id) on every event
-- they performed. Returns how many events changed.
CREATE FUNCTION audit_pseudonymize_actor(p_actor_id text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  changed bigint;
BEGIN
  PERFORM set_config('shipshape.audit_maintenance', 'pseudonymize', true);
  UPDATE "AuditEvent" SET "actorId" = 'pseudonym:' || encode(sha256(convert_to(p_actor_id, 'UTF8')), 'hex')
    WHERE "actorId" = p_actor_id AND "actorType" = 'USER';
  GET DIAGNOSTICS changed = ROW_COUNT;
  PERFORM set_config('shipshape.audit_maintenance', '', true);
  RETURN changed;
END;
$$;

-- SECURITY DEFINER functions are executable by everyone unless revoked; grant them to the app's role
-- when it is not the owner (see lib/audit/README.md).
REVOKE ALL ON FUNCTION audit_prune_chain(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_pseudonymize_actor(text) FROM PUBLIC;
