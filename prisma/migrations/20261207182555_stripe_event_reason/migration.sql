-- AlterTable
ALTER TABLE "StripeEvent" ADD COLUMN     "reason" TEXT;
