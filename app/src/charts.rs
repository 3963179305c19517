//! Charts drawn in the browser with charming (ECharts). The server renders a labelled placeholder; the
//! numbers are always also in a table next to the chart, so the chart is an addition, never the only copy.

use leptos::prelude::*;

use crate::api::clients::GroupStats;

/// Client counts per group, stacked by pipeline stage.
#[derive(Clone)]
pub struct ClientBars {
    pub id: &'static str,
    pub groups: Vec<GroupStats>,
}

#[cfg(feature = "hydrate")]
fn build(chart: &ClientBars) -> charming::Chart {
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisLabel, AxisType, Tooltip, Trigger};
    use charming::series::Bar;
    let top: Vec<&GroupStats> = chart.groups.iter().take(12).collect();
    let labels: Vec<String> = top.iter().map(|g| g.label.clone()).collect();
    let stages: Vec<String> =
        top.first().map(|g| g.stages.iter().map(|(s, _)| s.clone()).collect()).unwrap_or_default();
    let mut c = charming::Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().bottom(0))
        .grid(Grid::new().left("3%").right("3%").top("5%").bottom("18%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels).axis_label(AxisLabel::new().rotate(30)))
        .y_axis(Axis::new().type_(AxisType::Value));
    for (i, stage) in stages.iter().enumerate() {
        let data: Vec<i64> = top.iter().map(|g| g.stages.get(i).map(|(_, n)| *n).unwrap_or(0)).collect();
        c = c.series(Bar::new().name(stage.clone()).stack("stage").data(data));
    }
    c
}

/// Whether ECharts is loaded; when it is not, asks for it once: pages without charts never download the
/// 1 MB script, pages with charts load it when their first chart mounts.
#[cfg(feature = "hydrate")]
fn echarts_ready() -> bool {
    const SCRIPT_ID: &str = "echarts-script";
    let ready = js_sys::Reflect::has(&js_sys::global(), &wasm_bindgen::JsValue::from_str("echarts")).unwrap_or(false);
    if !ready && document().get_element_by_id(SCRIPT_ID).is_none() {
        if let (Ok(script), Ok(Some(head))) = (document().create_element("script"), document().query_selector("head")) {
            let _ = script.set_attribute("id", SCRIPT_ID);
            let _ = script.set_attribute("src", "/echarts.min.js");
            let _ = head.append_child(&script);
        }
    }
    ready
}

/// Renders once ECharts is available; retries briefly while it loads.
#[cfg(feature = "hydrate")]
fn render_when_ready(chart: ClientBars, tries: u32) {
    let ready = echarts_ready();
    let present = document().get_element_by_id(&format!("chart-{}", chart.id)).is_some();
    if ready && present {
        let width = document()
            .get_element_by_id(&format!("chart-{}", chart.id))
            .map(|e| e.client_width().max(300) as u32)
            .unwrap_or(600);
        let _ = charming::WasmRenderer::new(width, 360).render(&format!("chart-{}", chart.id), &build(&chart));
    } else if tries < 150 {
        set_timeout(move || render_when_ready(chart, tries + 1), std::time::Duration::from_millis(100));
    }
}

#[component]
pub fn BarChart(chart: ClientBars) -> impl IntoView {
    let id = chart.id;
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| render_when_ready(chart.clone(), 0));
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! {
        <div
            class="chart"
            id=format!("chart-{id}")
            role="img"
            aria-label="Bar chart of clients per group by pipeline stage; the table below has the same numbers"
        ></div>
    }
}

/// One value per label (scores 0..=100), as horizontal bars.
#[derive(Clone)]
pub struct ScoreBars {
    pub id: String,
    pub labels: Vec<String>,
    pub values: Vec<f64>,
    /// What the chart shows, for screen readers (the table next to it has the numbers).
    pub description: String,
}

#[cfg(feature = "hydrate")]
fn build_scores(chart: &ScoreBars) -> charming::Chart {
    use charming::component::{Axis, Grid};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::Bar;
    charming::Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left("3%").right("6%").top("5%").bottom("5%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Value).min(0).max(100))
        .y_axis(Axis::new().type_(AxisType::Category).data(chart.labels.clone()))
        .series(Bar::new().name("Score").data(chart.values.clone()))
}

#[cfg(feature = "hydrate")]
fn render_scores_when_ready(chart: ScoreBars, tries: u32) {
    let ready = echarts_ready();
    let element = document().get_element_by_id(&format!("chart-{}", chart.id));
    if let (true, Some(e)) = (ready, element.as_ref()) {
        let width = e.client_width().max(300) as u32;
        let height = (chart.labels.len() as u32 * 36 + 40).max(160);
        let _ =
            charming::WasmRenderer::new(width, height).render(&format!("chart-{}", chart.id), &build_scores(&chart));
    } else if tries < 150 {
        set_timeout(move || render_scores_when_ready(chart, tries + 1), std::time::Duration::from_millis(100));
    }
}

#[component]
pub fn ScoreBarChart(chart: ScoreBars) -> impl IntoView {
    let id = chart.id.clone();
    let description = chart.description.clone();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| render_scores_when_ready(chart.clone(), 0));
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div class="chart" id=format!("chart-{id}") role="img" aria-label=description></div> }
}

/// What a live chart draws. The same numbers are always in a table next to the chart.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartSpec {
    /// Bars stacked per category, one series per name; `horizontal` puts the categories on the y axis.
    StackedBars { categories: Vec<String>, series: Vec<(String, Vec<f64>)>, horizontal: bool },
    /// One line per series over the categories; `y_max` fixes the axis (100 for scores).
    Lines { categories: Vec<String>, series: Vec<(String, Vec<f64>)>, y_max: Option<f64> },
    /// A funnel of (label, value) steps, widest first.
    Funnel { steps: Vec<(String, f64)> },
}

#[cfg(feature = "hydrate")]
fn build_spec(spec: &ChartSpec) -> charming::Chart {
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::{Bar, Funnel, Line};
    let base = || {
        charming::Chart::new()
            .legend(Legend::new().bottom(0))
            .grid(Grid::new().left("2%").right("4%").top("6%").bottom("14%").contain_label(true))
    };
    match spec {
        ChartSpec::StackedBars { categories, series, horizontal } => {
            let category = Axis::new().type_(AxisType::Category).data(categories.clone());
            let value = Axis::new().type_(AxisType::Value).min_interval(1);
            let (x, y) = if *horizontal { (value, category.inverse(true)) } else { (category, value) };
            let mut c = base().tooltip(Tooltip::new().trigger(Trigger::Axis)).x_axis(x).y_axis(y);
            for (name, data) in series {
                c = c.series(Bar::new().name(name.clone()).stack("total").data(data.clone()));
            }
            c
        }
        ChartSpec::Lines { categories, series, y_max } => {
            let mut y = Axis::new().type_(AxisType::Value).min(0);
            if let Some(max) = y_max {
                y = y.max(*max);
            }
            let mut c = base()
                .tooltip(Tooltip::new().trigger(Trigger::Axis))
                .x_axis(Axis::new().type_(AxisType::Category).data(categories.clone()))
                .y_axis(y);
            for (name, data) in series {
                c = c.series(Line::new().name(name.clone()).data(data.clone()));
            }
            c
        }
        ChartSpec::Funnel { steps } => {
            let data: Vec<(f64, String)> = steps.iter().map(|(l, v)| (*v, l.clone())).collect();
            base()
                .tooltip(Tooltip::new().trigger(Trigger::Item))
                .series(Funnel::new().name("Clients").left("10%").width("80%").min_size("8%").data(data))
        }
    }
}

/// A chart that follows `spec`: drawn once ECharts has loaded, then updated in place (ECharts animates
/// from the old numbers to the new) whenever `spec` changes, and resized with the window.
#[component]
pub fn LiveChart(
    id: &'static str,
    /// What the chart shows, for screen readers (the table next to it has the numbers).
    description: &'static str,
    /// Room for many categories (fourteen agents).
    #[prop(optional)]
    tall: bool,
    spec: Signal<Option<ChartSpec>>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let instance: StoredValue<Option<charming::Echarts>, LocalStorage> = StoredValue::new_local(None);
        fn draw(
            id: &'static str,
            spec: ChartSpec,
            instance: StoredValue<Option<charming::Echarts>, LocalStorage>,
            tries: u32,
        ) {
            let element_id = format!("chart-{id}");
            let present = document().get_element_by_id(&element_id).is_some();
            if !(echarts_ready() && present) {
                if tries < 150 {
                    set_timeout(move || draw(id, spec, instance, tries + 1), std::time::Duration::from_millis(100));
                }
                return;
            }
            let chart = build_spec(&spec);
            let drawn =
                instance.with_value(|i| i.as_ref().map(|e| charming::WasmRenderer::update(e, &chart)).is_some());
            if !drawn {
                if let Ok(e) = charming::WasmRenderer::new_opt(None, None).render(&element_id, &chart) {
                    instance.set_value(Some(e));
                }
            }
        }
        Effect::new(move |_| {
            if let Some(spec) = spec.get() {
                draw(id, spec, instance, 0);
            }
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            instance.with_value(|i| {
                if let Some(e) = i {
                    e.resize(wasm_bindgen::JsValue::UNDEFINED);
                }
            });
        });
        on_cleanup(move || resize.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = spec;
    view! {
        <div class=if tall { "chart chart-tall" } else { "chart" } id=format!("chart-{id}") role="img" aria-label=description></div>
    }
}
