from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One row per write or personal-data export: who, when, from where, what, before/after.

    Append-only (database triggers); pruning rows past the retention period is the only delete.
    """

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=16, default="cli")
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    org_path = models.CharField(max_length=500, blank=True, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"


class Notification(models.Model):
    """An in-app message to one user, and the outbox row SMS / WeChat adapters drain later.

    Written in the same transaction as the change it announces. `read_at` is the inbox state;
    `sent_at` / `channel` record delivery by an external adapter (blank until one sends it).
    """

    recipient = models.ForeignKey("orgs.User", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)  # claims.approved, claims.objection …
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=16, blank=True)  # sms, wechat … once delivered outside the app
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="core_notif_inbox"),
            models.Index(fields=["sent_at", "id"], name="core_notif_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.title}"
