-- CreateTable
CREATE TABLE "DeletionLedgerEntry" (
    "pseudonym" TEXT NOT NULL,
    "deletedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DeletionLedgerEntry_pkey" PRIMARY KEY ("pseudonym")
);
