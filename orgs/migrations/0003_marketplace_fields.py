"""Orgs for marketplaces and platforms: seats, branding, metadata, billing channel, sandbox."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0002_initial'),
        ('partners', '0002_partnerkey_family_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='org',
            name='billing_channel',
            field=models.CharField(choices=[('direct', 'Direct'), ('aws_marketplace', 'AWS Marketplace'), ('gcp_marketplace', 'Google Cloud Marketplace'), ('azure_marketplace', 'Azure Marketplace'), ('partner_invoice', 'Partner invoice')], default='direct', max_length=32),
        ),
        migrations.AddField(
            model_name='org',
            name='branding',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='org',
            name='managed_by',
            field=models.CharField(default='', editable=False, max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='org',
            name='metadata',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='org',
            name='sandbox',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='org',
            name='seats',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='subscription',
            name='seats',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='subscription',
            name='started_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='subscription',
            name='status',
            field=models.CharField(choices=[('active', 'Active'), ('sandbox', 'Sandbox'), ('canceled', 'Canceled')], default='active', max_length=20),
        ),
    ]
