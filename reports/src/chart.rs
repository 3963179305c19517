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

/// One bar per row, across from its label: `value` against `max` (`unit` after the figure at its end).
/// Labels are cut to 32 characters; plotters escapes them in the SVG.
pub fn bars(rows: &[(String, f64)], max: f64, unit: &str, accent: &str) -> String {
    grouped(rows.iter().map(|(label, v)| (label.clone(), vec![*v])).collect(), max, unit, &[colour(accent)])
}

/// Issues fixed (accent) and new (grey) for each check.
pub fn fixed_and_new(rows: &[(String, f64, f64)], accent: &str) -> String {
    let max = rows.iter().map(|r| r.1.max(r.2)).fold(1.0, f64::max);
    let grey = RGBColor(150, 150, 150);
    grouped(rows.iter().map(|(label, f, n)| (label.clone(), vec![*f, *n])).collect(), max, "", &[colour(accent), grey])
}

/// Horizontal bars, one group per label with one bar per value (coloured by `colours` in turn).
fn grouped(rows: Vec<(String, Vec<f64>)>, max: f64, unit: &str, colours: &[RGBColor]) -> String {
    let per_group = rows.iter().map(|r| r.1.len()).max().unwrap_or(1).max(1);
    let height = (rows.len() * (per_group * 16 + 10) + 30).clamp(80, 900) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, height)).into_drawing_area();
        let _ = draw_bars(&root, &rows, max.max(1.0), unit, colours, per_group);
        let _ = root.present();
    }
    svg
}

fn draw_bars(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    rows: &[(String, Vec<f64>)],
    max: f64,
    unit: &str,
    colours: &[RGBColor],
    per_group: usize,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let label = |s: &str| {
        let cut: String = s.chars().take(32).collect();
        if s.chars().count() > 32 {
            format!("{cut}…")
        } else {
            cut
        }
    };
    let n = rows.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .y_label_area_size(210)
        .x_label_area_size(22)
        .build_cartesian_2d(0f64..max * 1.15, 0f64..n)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_labels(6)
        .x_label_formatter(&|x| format!("{x:.0}{unit}"))
        .x_label_style(("sans-serif", 13))
        .draw()
        .map_err(e)?;
    // Each row's label, right-aligned beside its bars (row i spans n - i - 1 .. n - i, top to bottom).
    let style = TextStyle::from(("sans-serif", 13).into_font()).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Right,
        plotters::style::text_anchor::VPos::Center,
    ));
    for (i, (text, _)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
        root.draw(&Text::new(label(text), (x - 6, y), style.clone())).map_err(e)?;
    }
    let band = 0.8 / per_group as f64;
    for (i, (_, values)) in rows.iter().enumerate() {
        let top = n - i as f64 - 0.1;
        for (j, v) in values.iter().enumerate() {
            let colour = colours.get(j % colours.len().max(1)).copied().unwrap_or(BLACK);
            let (y1, y0) = (top - band * j as f64, top - band * (j + 1) as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new([(0.0, y0), (v.max(0.0), y1)], colour.filled())))
                .map_err(e)?;
        }
    }
    Ok(())
}
