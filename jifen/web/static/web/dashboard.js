/* Dashboard charts: ECharts (vendored) draws what the tables beside it already show.
   Data comes from the page's json_script block; without JavaScript the tables are the page. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    function draw(name, option) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return; }
      el.classList.add("chart-on");
      var chart = window.echarts.init(el);
      chart.setOption(option);
      charts.push(chart);
    }
    var lang = document.documentElement.lang === "en";
    draw("participation", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 60 },
      xAxis: { type: "category", data: data.villages, axisLabel: { rotate: 45 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: lang ? "Household participation" : "户参与率", type: "bar", data: data.household_rate },
        { name: lang ? "Target" : "目标", type: "line", step: "middle", symbol: "none", data: data.household_target },
        { name: lang ? "Party members and cadres" : "党员干部参与率", type: "scatter", data: data.party_rate }
      ]
    });
    draw("categories", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 50, right: 10, top: 30, bottom: 30 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value" },
      series: data.categories.map(function (s) {
        return { name: s.name || (lang ? "Other" : "其他"), type: "line", data: s.data };
      })
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
