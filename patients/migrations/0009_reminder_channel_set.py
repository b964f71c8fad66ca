"""The reminder channel becomes a set of channels: one boolean per channel (e-mail, push).

The single ``reminder_channel`` offered e-mail only, so every existing patient keeps e-mail
(``remind_by_email`` defaults to true) and push starts off until the patient registers a device.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0008_alert_call_back"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="remind_by_email",
            field=models.BooleanField(default=True, verbose_name="reminders by e-mail"),
        ),
        migrations.AddField(
            model_name="patient",
            name="remind_by_push",
            field=models.BooleanField(
                default=False,
                help_text="Sent to the phones and browsers the patient registered in the portal.",
                verbose_name="reminders by push notification",
            ),
        ),
        migrations.RemoveField(
            model_name="patient",
            name="reminder_channel",
        ),
    ]
