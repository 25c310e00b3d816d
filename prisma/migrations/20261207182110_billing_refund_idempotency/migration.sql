-- CreateTable
CREATE TABLE "BillingRefund" (
    "idempotencyKey" TEXT NOT NULL,
    "orgId" UUID NOT NULL,
    "chargeId" TEXT NOT NULL,
    "requestedAmount" INTEGER,
    "reason" TEXT,
    "stripeRefundId" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BillingRefund_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateIndex
CREATE UNIQUE INDEX "BillingRefund_stripeRefundId_key" ON "BillingRefund"("stripeRefundId");

-- CreateIndex
CREATE INDEX "BillingRefund_orgId_idx" ON "BillingRefund"("orgId");

-- AddForeignKey
ALTER TABLE "BillingRefund" ADD CONSTRAINT "BillingRefund_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
