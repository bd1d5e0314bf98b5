"""Admin pages for the points supermarket's shops, goods and stock, the funds, and paying a reward
list's cash (jifen.web.views.stockroom)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import stockroom

urlpatterns = [
    path("console/market/", stockroom.market_home, name="console_market_home"),
    path("console/org/<orgpath:path>/-/shops/", stockroom.shops, name="console_shops"),
    path("console/shop/<int:pk>/", stockroom.shop_detail, name="console_shop"),
    path("console/good/<int:pk>/", stockroom.good_detail, name="console_good"),
    path("console/good/<int:pk>/purchase/", stockroom.good_purchase, name="console_good_purchase"),
    path("console/good/<int:pk>/adjust/", stockroom.good_adjust, name="console_good_adjust"),
    path("console/good/<int:pk>/stocktake/", stockroom.good_stocktake, name="console_good_stocktake"),
    path("console/funds/", stockroom.funds_home, name="console_funds_home"),
    path("console/org/<orgpath:path>/-/funds/", stockroom.funds, name="console_funds"),
    path("console/org/<orgpath:path>/-/funds/export/", stockroom.funds_export, name="console_funds_export"),
    path("console/fund/<int:pk>/", stockroom.fund_detail, name="console_fund"),
    path("console/fund/<int:pk>/receive/", stockroom.fund_receive, name="console_fund_receive"),
    path("console/fund/<int:pk>/allocate/", stockroom.fund_allocate, name="console_fund_allocate"),
    path("console/fund/<int:pk>/export/", stockroom.fund_export, name="console_fund_export"),
    path("console/reward-list/<int:pk>/pay/", stockroom.reward_list_pay, name="console_reward_list_pay"),
]

NAV = [
    ("admin", NavItem(_("商品与库存"), "console_market_home")),
    ("admin", NavItem(_("资金"), "console_funds_home")),
]
