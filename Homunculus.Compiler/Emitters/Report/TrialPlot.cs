using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Report;

/// <summary>One trial in the plot: its resource use (1 = at the tightest budget) and validation objective.</summary>
public sealed record PlotPoint(int Number, double ResourceUse, double Objective, bool Feasible, bool Chosen);

/// <summary>
/// The objective against resource use as an SVG scatter plot, written through the <see cref="CodeWriter"/>
/// like every generated file: feasible trials as filled circles, infeasible ones as crosses, the budget
/// as a vertical line at 1, the Pareto front (no other trial uses fewer resources and scores higher) as a
/// step line, the chosen trial ringed. A scatter plot is a few dozen SVG elements, so no plotting library
/// is needed; hand-written SVG keeps the output deterministic (no fonts measured, no timestamps).
/// </summary>
public static class TrialPlot
{
    private const double Width = 640, Height = 400, Left = 64, Right = 24, Top = 24, Bottom = 52;

    public static string Svg(IReadOnlyList<PlotPoint> points, string objective, string resource)
    {
        double xMax = Math.Max(1.2, points.Count == 0 ? 1.2 : Math.Min(points.Max(p => p.ResourceUse) * 1.05, 10));
        double yMin = points.Count == 0 ? 0 : Math.Floor(points.Min(p => p.Objective) * 20) / 20;
        double yMax = points.Count == 0 ? 1 : Math.Min(1, Math.Ceiling(points.Max(p => p.Objective) * 20) / 20);
        if (yMax <= yMin) yMax = yMin + 0.05;
        double X(double v) => Left + Math.Min(v, xMax) / xMax * (Width - Left - Right);
        double Y(double v) => Height - Bottom - (v - yMin) / (yMax - yMin) * (Height - Top - Bottom);

        var w = new CodeWriter("  ");
        w.Line($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\" font-family=\"sans-serif\" font-size=\"11\">");
        w.Indent();
        w.Line($"<rect x=\"0\" y=\"0\" width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"white\"/>");
        // Axes and ticks.
        w.Line($"<line x1=\"{N(Left)}\" y1=\"{N(Height - Bottom)}\" x2=\"{N(Width - Right)}\" y2=\"{N(Height - Bottom)}\" stroke=\"#333\"/>");
        w.Line($"<line x1=\"{N(Left)}\" y1=\"{N(Top)}\" x2=\"{N(Left)}\" y2=\"{N(Height - Bottom)}\" stroke=\"#333\"/>");
        for (int i = 0; i <= 5; i++)
        {
            double xv = xMax * i / 5, yv = yMin + (yMax - yMin) * i / 5;
            w.Line($"<text x=\"{N(X(xv))}\" y=\"{N(Height - Bottom + 16)}\" text-anchor=\"middle\">{xv.ToString("0.##", CultureInfo.InvariantCulture)}</text>");
            w.Line($"<text x=\"{N(Left - 6)}\" y=\"{N(Y(yv) + 4)}\" text-anchor=\"end\">{yv.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        }
        w.Line($"<text x=\"{N((Left + Width - Right) / 2)}\" y=\"{N(Height - 12)}\" text-anchor=\"middle\">{Esc(resource)}</text>");
        w.Line($"<text x=\"14\" y=\"{N((Top + Height - Bottom) / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {N((Top + Height - Bottom) / 2)})\">{Esc(objective)} (validation)</text>");
        // The budget.
        w.Line($"<line x1=\"{N(X(1))}\" y1=\"{N(Top)}\" x2=\"{N(X(1))}\" y2=\"{N(Height - Bottom)}\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>");
        w.Line($"<text x=\"{N(X(1) + 4)}\" y=\"{N(Top + 10)}\" fill=\"#c33\">budget</text>");
        // The Pareto front: by resource use ascending, each point that beats every cheaper one.
        var front = Front(points);
        if (front.Count > 0)
        {
            var path = new List<string> { $"M {N(X(front[0].ResourceUse))} {N(Y(front[0].Objective))}" };
            for (int i = 1; i < front.Count; i++)
                path.Add($"H {N(X(front[i].ResourceUse))} V {N(Y(front[i].Objective))}");
            w.Line($"<path d=\"{string.Join(" ", path)}\" fill=\"none\" stroke=\"#36c\" stroke-width=\"1.5\"/>");
        }
        foreach (var p in points)
        {
            double x = X(p.ResourceUse), y = Y(p.Objective);
            string title = $"<title>trial {p.Number}: {Esc(objective)} {p.Objective.ToString("0.####", CultureInfo.InvariantCulture)}, resource use {p.ResourceUse.ToString("0.###", CultureInfo.InvariantCulture)}</title>";
            if (p.Feasible)
                w.Line($"<circle cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"4\" fill=\"#2a7\" fill-opacity=\"0.8\">{title}</circle>");
            else
                w.Line($"<path d=\"M {N(x - 4)} {N(y - 4)} L {N(x + 4)} {N(y + 4)} M {N(x - 4)} {N(y + 4)} L {N(x + 4)} {N(y - 4)}\" stroke=\"#c33\" stroke-width=\"1.5\">{title}</path>");
            if (p.Chosen) w.Line($"<circle cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"8\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>");
        }
        // Legend.
        double lx = Width - Right - 170, ly = Height - Bottom - 58;
        w.Line($"<circle cx=\"{N(lx)}\" cy=\"{N(ly)}\" r=\"4\" fill=\"#2a7\"/><text x=\"{N(lx + 10)}\" y=\"{N(ly + 4)}\">fits the target</text>");
        w.Line($"<path d=\"M {N(lx - 4)} {N(ly + 12)} L {N(lx + 4)} {N(ly + 20)} M {N(lx - 4)} {N(ly + 20)} L {N(lx + 4)} {N(ly + 12)}\" stroke=\"#c33\" stroke-width=\"1.5\"/><text x=\"{N(lx + 10)}\" y=\"{N(ly + 20)}\">over a budget</text>");
        w.Line($"<line x1=\"{N(lx - 6)}\" y1=\"{N(ly + 32)}\" x2=\"{N(lx + 6)}\" y2=\"{N(ly + 32)}\" stroke=\"#36c\" stroke-width=\"1.5\"/><text x=\"{N(lx + 10)}\" y=\"{N(ly + 36)}\">Pareto front</text>");
        w.Line($"<circle cx=\"{N(lx)}\" cy=\"{N(ly + 48)}\" r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/><text x=\"{N(lx + 10)}\" y=\"{N(ly + 52)}\">chosen</text>");
        w.Outdent();
        w.Line("</svg>");
        return w.ToString();
    }

    /// <summary>Trials no other trial dominates (less or equal resource use and a higher objective), by resource use.</summary>
    public static IReadOnlyList<PlotPoint> Front(IReadOnlyList<PlotPoint> points)
    {
        var front = new List<PlotPoint>();
        foreach (var p in points.OrderBy(p => p.ResourceUse).ThenByDescending(p => p.Objective).ThenBy(p => p.Number))
            if (front.Count == 0 || p.Objective > front[^1].Objective) front.Add(p);
        return front;
    }

    private static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Esc(string text) => ReportDocument.Html(text);
}
