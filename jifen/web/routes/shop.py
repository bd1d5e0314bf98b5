"""The shopkeeper's redemption counter (积分超市 / 兑换点)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import shop

urlpatterns = [
    path("shop/", shop.shop_home, name="shop_home"),
    path("shop/<int:shop_id>/", shop.shop_counter, name="shop_counter"),
    path("shop/<int:shop_id>/redeem/<int:subject_id>/", shop.shop_redeem, name="shop_redeem"),
    path("shop/receipt/<int:redemption_id>/", shop.shop_receipt, name="shop_receipt"),
    path("shop/receipt/<int:redemption_id>/cancel/", shop.shop_cancel, name="shop_cancel"),
]

NAV = [("shop", NavItem(_("兑换"), "shop_home"))]
