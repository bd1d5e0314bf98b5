"""The villager's own points supermarket (积分超市): browse, redeem, my household's receipts.

Named member_market so its nav link follows the member pages' (groups load in module-name order)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import mall

urlpatterns = [
    path("me/market/", mall.market, name="mall"),
    path("me/market/<int:shop_id>/redeem/", mall.redeem, name="mall_redeem"),
    path("me/market/receipts/", mall.receipts, name="mall_receipts"),
    path("me/market/receipts/<int:pk>/", mall.receipt, name="mall_receipt"),
]

NAV = [("member", NavItem(_("积分超市"), "mall"))]
