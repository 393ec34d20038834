-- CreateTable
CREATE TABLE "Person" (
    "email" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'employee',
    "slackUserId" TEXT,
    "teamsUserId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerEmail" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "osVersion" TEXT NOT NULL,
    "managementMode" TEXT NOT NULL,
    "passcodeSet" BOOLEAN NOT NULL,
    "policyEnforced" BOOLEAN NOT NULL DEFAULT false,
    "policyType" TEXT NOT NULL DEFAULT 'numeric',
    "policyMinLength" INTEGER NOT NULL DEFAULT 8,
    "policyComplexity" TEXT NOT NULL DEFAULT 'none',
    "resetTokenActive" BOOLEAN NOT NULL DEFAULT false,
    "lastSeenAt" DATETIME,
    "pendingAction" TEXT,
    "pushToken" TEXT,
    "pushUnreachableAt" DATETIME,
    "secretHash" TEXT,
    "enrollmentCodeHash" TEXT,
    "enrollmentCodeExpiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Device_ownerEmail_fkey" FOREIGN KEY ("ownerEmail") REFERENCES "Person" ("email") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ResetRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "notifyUser" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL,
    "activeDeviceId" TEXT,
    "idempotencyKeyHash" TEXT,
    "passcodeCipher" TEXT,
    "pushAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextPushAt" DATETIME,
    "expiresAt" DATETIME NOT NULL,
    "outcome" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "purgedAt" DATETIME,
    CONSTRAINT "ResetRequest_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TimelineEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "requestId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    CONSTRAINT "TimelineEvent_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "ResetRequest" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "deviceId" TEXT,
    "requestId" TEXT,
    "detail" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "requestId" TEXT NOT NULL,
    "recipientEmail" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME,
    "lastError" TEXT,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Delivery_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "ResetRequest" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PasscodeHistory" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "deviceId" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PasscodeHistory_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobRun" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "jobName" TEXT NOT NULL,
    "claimedBy" TEXT NOT NULL,
    "claimedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "Person_slackUserId_key" ON "Person"("slackUserId");

-- CreateIndex
CREATE UNIQUE INDEX "Person_teamsUserId_key" ON "Person"("teamsUserId");

-- CreateIndex
CREATE UNIQUE INDEX "Device_secretHash_key" ON "Device"("secretHash");

-- CreateIndex
CREATE INDEX "Device_ownerEmail_idx" ON "Device"("ownerEmail");

-- CreateIndex
CREATE UNIQUE INDEX "ResetRequest_activeDeviceId_key" ON "ResetRequest"("activeDeviceId");

-- CreateIndex
CREATE UNIQUE INDEX "ResetRequest_idempotencyKeyHash_key" ON "ResetRequest"("idempotencyKeyHash");

-- CreateIndex
CREATE INDEX "ResetRequest_state_nextPushAt_idx" ON "ResetRequest"("state", "nextPushAt");

-- CreateIndex
CREATE INDEX "ResetRequest_deviceId_createdAt_idx" ON "ResetRequest"("deviceId", "createdAt");

-- CreateIndex
CREATE INDEX "ResetRequest_expiresAt_idx" ON "ResetRequest"("expiresAt");

-- CreateIndex
CREATE INDEX "ResetRequest_createdAt_idx" ON "ResetRequest"("createdAt");

-- CreateIndex
CREATE INDEX "TimelineEvent_requestId_id_idx" ON "TimelineEvent"("requestId", "id");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_requestId_idx" ON "AuditEntry"("requestId");

-- CreateIndex
CREATE INDEX "Delivery_status_nextAttemptAt_idx" ON "Delivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_requestId_recipientEmail_channel_key" ON "Delivery"("requestId", "recipientEmail", "channel");

-- CreateIndex
CREATE INDEX "PasscodeHistory_deviceId_createdAt_idx" ON "PasscodeHistory"("deviceId", "createdAt");

-- CreateIndex
CREATE INDEX "JobRun_claimedAt_idx" ON "JobRun"("claimedAt");
