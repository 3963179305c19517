//! Charts: built on the server with charming, drawn in the browser by ECharts.
//!
//! The server function that returns a page's numbers also returns its charts, each an ECharts option as
//! JSON ([`Charts`], built by charming from a [`ChartSpec`]). A chart renders as a labelled element whose
//! `data-echarts` attribute holds that option; `/charts.js` (a static script every page loads, deferred)
//! loads ECharts when the first such element appears, draws it, redraws when the attribute changes (live
//! figures: ECharts animates from the old numbers to the new) and resizes charts with the window. So charts
//! draw from the server-rendered HTML without waiting for the WASM module, and neither charming nor its
//! serialisers are in that module. The numbers are always also in a table next to the chart, so the chart
//! is an addition, never the only copy.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// ECharts options for the charts of a page, by chart id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Charts(pub Vec<(String, String)>);

impl Charts {
    /// The option of the chart `id`, when the numbers gave one (no data: no chart).
    pub fn get(&self, id: &str) -> Option<String> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, o)| o.clone())
    }

    /// Builds each present spec's option with charming.
    #[cfg(feature = "ssr")]
    pub fn of<'a>(specs: impl IntoIterator<Item = (&'a str, Option<ChartSpec>)>) -> Self {
        Charts(specs.into_iter().filter_map(|(id, spec)| Some((id.to_string(), spec?.option()))).collect())
    }
}

/// A server function's numbers with the charts drawn from them. The numbers keep their own JSON shape
/// (flattened), with `charts` beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charted<T> {
    #[serde(flatten)]
    pub data: T,
    pub charts: Charts,
}

/// What a chart draws. The same numbers are always in a table next to the chart.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartSpec {
    /// Bars stacked per category, one series per name; `horizontal` puts the categories on the y axis.
    StackedBars { categories: Vec<String>, series: Vec<(String, Vec<f64>)>, horizontal: bool },
    /// One line per series over the categories; `y_max` fixes the axis (100 for scores).
    Lines { categories: Vec<String>, series: Vec<(String, Vec<f64>)>, y_max: Option<f64> },
    /// A funnel of (label, value) steps, widest first.
    Funnel { steps: Vec<(String, f64)> },
    /// One bar per label on a 0..=100 axis (scores), labels on the y axis.
    Scores { labels: Vec<String>, values: Vec<f64> },
}

#[cfg(feature = "ssr")]
impl ChartSpec {
    /// The ECharts option, as JSON.
    pub fn option(&self) -> String {
        self.build().to_string()
    }

    fn build(&self) -> charming::Chart {
        use charming::component::{Axis, Grid, Legend};
        use charming::element::{AxisType, Tooltip, Trigger};
        use charming::series::{Bar, Funnel, Line};
        let base = || {
            charming::Chart::new()
                .legend(Legend::new().bottom(0))
                .grid(Grid::new().left("2%").right("4%").top("6%").bottom("14%").contain_label(true))
        };
        match self {
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
            ChartSpec::Scores { labels, values } => charming::Chart::new()
                .tooltip(Tooltip::new().trigger(Trigger::Axis))
                .grid(Grid::new().left("3%").right("6%").top("5%").bottom("5%").contain_label(true))
                .x_axis(Axis::new().type_(AxisType::Value).min(0).max(100))
                .y_axis(Axis::new().type_(AxisType::Category).data(labels.clone()))
                .series(Bar::new().name("Score").data(values.clone())),
        }
    }
}

/// How tall a chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Height {
    #[default]
    Normal,
    /// Room for many categories (fourteen agents).
    Tall,
    /// Horizontal score bars: 36 px a label.
    Rows(usize),
}

/// A chart that follows `option` (an ECharts option built on the server; `None`: nothing is drawn).
#[component]
pub fn Chart(
    #[prop(into)] id: String,
    /// What the chart shows, for screen readers (the table next to it has the numbers).
    description: String,
    #[prop(optional)] height: Height,
    #[prop(into)] option: Signal<Option<String>>,
) -> impl IntoView {
    let (class, style) = match height {
        Height::Normal => ("chart", None),
        Height::Tall => ("chart chart-tall", None),
        Height::Rows(n) => ("chart", Some(format!("height: {}px", (n * 36 + 40).max(160)))),
    };
    view! {
        <div class=class style=style id=format!("chart-{id}") role="img" aria-label=description
            data-echarts=move || option.get()></div>
    }
}

/// Horizontal score bars (0..=100) with their option built right here: for views rendered on the server
/// only (the task results).
#[cfg(feature = "ssr")]
pub fn score_chart(id: &'static str, description: &str, labels: Vec<String>, values: Vec<f64>) -> impl IntoView {
    let height = Height::Rows(labels.len());
    let option = ChartSpec::Scores { labels, values }.option();
    view! { <Chart id description=description.to_string() height option=Some(option) /> }
}
