//! The report's charts as SVG.

use domain::model::crawl::HealthPoint;
use plotters::prelude::*;

/// Width and height of the chart in SVG units (the document scales it to the text width).
const SIZE: (u32, u32) = (640, 260);

/// The health score of each audit (0 to 100) as a line with a dot per audit, dated along the bottom;
/// `accent` (`#rrggbb`) colours the line. Fewer than two audits draw axes only.
pub fn health(points: &[HealthPoint], accent: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let _ = draw(&root, points, colour(accent));
        let _ = root.present();
    }
    svg
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    points: &[HealthPoint],
    line: RGBColor,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let last = points.len().saturating_sub(1).max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(36)
        .build_cartesian_2d(-0.3f64..last + 0.3, 0f64..100f64)
        .map_err(e)?;
    let label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        points.get(i as usize).map(|p| p.finished_at.format("%-d %b %y").to_string()).unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(points.len().clamp(2, 12))
        .x_label_formatter(&label)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(e)?;
    let series: Vec<(f64, f64)> =
        points.iter().enumerate().map(|(i, p)| (i as f64, p.health.clamp(0.0, 100.0))).collect();
    chart.draw_series(LineSeries::new(series.clone(), line.stroke_width(2))).map_err(e)?;
    chart.draw_series(series.iter().map(|&(x, y)| Circle::new((x, y), 3, line.filled()))).map_err(e)?;
    Ok(())
}

/// `#rrggbb` as a colour; anything else is the default accent.
fn colour(hex: &str) -> RGBColor {
    let parse = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
    match (hex.len(), parse(1), parse(3), parse(5)) {
        (7, Some(r), Some(g), Some(b)) => RGBColor(r, g, b),
        _ => RGBColor(0x1d, 0x4e, 0xd8),
    }
}
