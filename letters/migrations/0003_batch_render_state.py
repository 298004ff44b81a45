"""The rendering state of a mailing batch (queued / rendering / done / failed), its error, attempts
and times: batches are rendered by a worker outside the web request (letters.tasks).

Batches made before this migration were rendered inside the request: one with its PDF is done; one
without (its request was killed or timed out) becomes failed, so the screen offers to render it again.
"""
from django.db import migrations, models

INTERRUPTED = (
    "以前の印刷が完了しませんでした（PDFが保存されていません）。「再度印刷する」で印刷できます。"
)


def set_states(apps, schema_editor):
    MailingBatch = apps.get_model("letters", "MailingBatch")
    MailingBatch.objects.filter(pdf="").update(
        render_state="failed", render_error=INTERRUPTED, render_queued_at=models.F("created_at")
    )
    MailingBatch.objects.exclude(pdf="").update(
        render_state="done", render_attempts=1, render_queued_at=models.F("created_at"),
        render_finished_at=models.F("printed_at"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('letters', '0002_history_audit_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='印刷の試行回数'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_error',
            field=models.TextField(blank=True, verbose_name='印刷できなかった理由'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='印刷の終了日時'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_queued_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='印刷の受付日時'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='印刷の開始日時'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_state',
            field=models.CharField(choices=[('queued', '印刷待ち'), ('rendering', '印刷中'), ('done', '印刷済み'), ('failed', '印刷できませんでした')], default='queued', max_length=10, verbose_name='印刷の状態'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_task_id',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='印刷タスクのID'),
        ),
        migrations.AddField(
            model_name='historicalmailingbatch',
            name='render_token',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='印刷の受付番号'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='印刷の試行回数'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_error',
            field=models.TextField(blank=True, verbose_name='印刷できなかった理由'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='印刷の終了日時'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_queued_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='印刷の受付日時'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='印刷の開始日時'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_state',
            field=models.CharField(choices=[('queued', '印刷待ち'), ('rendering', '印刷中'), ('done', '印刷済み'), ('failed', '印刷できませんでした')], default='queued', max_length=10, verbose_name='印刷の状態'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_task_id',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='印刷タスクのID'),
        ),
        migrations.AddField(
            model_name='mailingbatch',
            name='render_token',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='印刷の受付番号'),
        ),
        migrations.RunPython(set_states, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='mailingbatch',
            index=models.Index(fields=['render_state', 'date'], name='mailingbatch_state_idx'),
        ),
        migrations.AddConstraint(
            model_name='mailingbatch',
            constraint=models.CheckConstraint(condition=models.Q(('render_state__in', ['queued', 'rendering', 'done', 'failed'])), name='mailingbatch_render_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='mailingbatch',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('render_state', 'done'), _negated=True), models.Q(('pdf', ''), _negated=True), _connector='OR'), name='mailingbatch_done_has_pdf', violation_error_message='印刷済みの差出にはPDFが必要です。'),
        ),
    ]
