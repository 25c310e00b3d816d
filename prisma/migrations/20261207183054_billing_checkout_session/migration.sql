-- AlterTable
ALTER TABLE "BillingAccount" ADD COLUMN     "checkoutSessionId" TEXT;
