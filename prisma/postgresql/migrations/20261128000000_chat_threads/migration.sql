
-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "externalRef" TEXT,
ADD COLUMN     "redactAt" TIMESTAMP(3),
ADD COLUMN     "redactedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ChatThread" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "conversation" TEXT NOT NULL,
    "messageId" TEXT,
    "shownState" TEXT,
    "syncedEventId" INTEGER NOT NULL DEFAULT 0,
    "open" BOOLEAN NOT NULL DEFAULT true,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatThread_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatContact" (
    "surface" TEXT NOT NULL,
    "chatUserId" TEXT NOT NULL,
    "email" TEXT,
    "reference" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatContact_pkey" PRIMARY KEY ("surface","chatUserId")
);

-- CreateIndex
CREATE INDEX "ChatThread_open_updatedAt_idx" ON "ChatThread"("open", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ChatThread_requestId_surface_purpose_key" ON "ChatThread"("requestId", "surface", "purpose");

-- CreateIndex
CREATE INDEX "ChatContact_email_idx" ON "ChatContact"("email");

-- CreateIndex
CREATE INDEX "Delivery_redactAt_idx" ON "Delivery"("redactAt");

-- AddForeignKey
ALTER TABLE "ChatThread" ADD CONSTRAINT "ChatThread_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "ResetRequest"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

