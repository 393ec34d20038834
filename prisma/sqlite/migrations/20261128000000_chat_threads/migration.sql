
-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "externalRef" TEXT;
ALTER TABLE "Delivery" ADD COLUMN "redactAt" DATETIME;
ALTER TABLE "Delivery" ADD COLUMN "redactedAt" DATETIME;

-- CreateTable
CREATE TABLE "ChatThread" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "requestId" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "conversation" TEXT NOT NULL,
    "messageId" TEXT,
    "shownState" TEXT,
    "syncedEventId" INTEGER NOT NULL DEFAULT 0,
    "open" BOOLEAN NOT NULL DEFAULT true,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ChatThread_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "ResetRequest" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ChatContact" (
    "surface" TEXT NOT NULL,
    "chatUserId" TEXT NOT NULL,
    "email" TEXT,
    "reference" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("surface", "chatUserId")
);

-- CreateIndex
CREATE INDEX "ChatThread_open_updatedAt_idx" ON "ChatThread"("open", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ChatThread_requestId_surface_purpose_key" ON "ChatThread"("requestId", "surface", "purpose");

-- CreateIndex
CREATE INDEX "ChatContact_email_idx" ON "ChatContact"("email");

-- CreateIndex
CREATE INDEX "Delivery_redactAt_idx" ON "Delivery"("redactAt");

