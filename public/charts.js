// Draws the page's charts: every element with a `data-echarts` attribute (an ECharts option as JSON, built
// on the server by charming). ECharts itself (/echarts.min.js) is loaded once, when the first chart
// appears. A changed attribute redraws its chart in place (ECharts animates to the new numbers), charts
// removed from the page are disposed of, and charts follow the window's size.
(function () {
  "use strict";
  var SELECTOR = "[data-echarts]";
  var loading = null;

  function loadECharts() {
    if (window.echarts) return Promise.resolve();
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = "/echarts.min.js";
        script.onload = resolve;
        script.onerror = function () {
          loading = null;
          reject(new Error("ECharts did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(el) {
    var json = el.getAttribute("data-echarts");
    if (!json) return;
    var option;
    try {
      option = JSON.parse(json);
    } catch (e) {
      return;
    }
    loadECharts().then(function () {
      if (!el.isConnected || el.getAttribute("data-echarts") !== json) return;
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
      // Series, axes and legend are replaced, not merged, so a series that is gone disappears.
      chart.setOption(option, { replaceMerge: ["series", "xAxis", "yAxis", "legend"] });
    }, function () {});
  }

  function each(node, f) {
    if (node.nodeType !== 1) return;
    if (node.matches(SELECTOR)) f(node);
    node.querySelectorAll(SELECTOR).forEach(f);
  }

  function dispose(el) {
    var chart = window.echarts && window.echarts.getInstanceByDom(el);
    if (chart) chart.dispose();
  }

  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "attributes") {
        draw(r.target);
      } else {
        r.removedNodes.forEach(function (n) { each(n, dispose); });
        r.addedNodes.forEach(function (n) { each(n, draw); });
      }
    });
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-echarts"],
  });

  each(document.documentElement, draw);

  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll(SELECTOR).forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
