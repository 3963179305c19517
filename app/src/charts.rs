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
