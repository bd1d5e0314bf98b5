from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "jifen.claims"
    label = "claims"
    verbose_name = "申报审核公示 / Claims"
    # In this order: a notice published this minute starts its window; posting never races it.
    tick_tasks = ["jifen.claims.tick.publish_due_notices", "jifen.claims.tick.post_due_claims"]
    # After orgs and rules (schemes exist), before rankings (which closes 2025 over these postings).
    demo_step = "jifen.claims.demo.build"
