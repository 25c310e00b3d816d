-- Billing facts ordered by their own clocks (docs/decisions/0030): the subscription's snapshot and the
-- newest payment outcome are kept apart, each with the time of its newest event.

-- CreateEnum
CREATE TYPE "InvoiceOutcome" AS ENUM ('PAID', 'FAILED');

-- The one clock so far becomes the subscription's: the stored state counts as a snapshot of that time.
ALTER TABLE "BillingAccount" RENAME COLUMN "stripeStateAt" TO "subscriptionEventAt";

-- AlterTable
ALTER TABLE "BillingAccount"
ADD COLUMN     "invoiceEventAt" TIMESTAMP(3),
ADD COLUMN     "invoiceOutcome" "InvoiceOutcome",
ADD COLUMN     "subscriptionStatus" "SubscriptionStatus";

UPDATE "BillingAccount" SET "subscriptionStatus" = "status";
