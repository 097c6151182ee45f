using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Report;

/// <summary>
/// The report's content as blocks of plain text (headings, paragraphs, lists, tables, images), rendered
/// once as Markdown and once as HTML, so the two never disagree. Text is escaped by each renderer.
/// </summary>
public sealed class ReportDocument
{
    private abstract record Block;
    private sealed record Heading(int Level, string Text) : Block;
    private sealed record Paragraph(string Text) : Block;
    private sealed record Items(IReadOnlyList<string> Lines) : Block;
    private sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;
    private sealed record Image(string File, string Alt, string Svg) : Block;

    private readonly List<Block> _blocks = new();

    public string Title { get; }

    public ReportDocument(string title) => Title = title;

    /// <summary>Levels added to every heading: 1 writes a report one level down, as a section of another (a schedule's models).</summary>
    public int Depth { get; set; }

    public void H2(string text) => _blocks.Add(new Heading(2 + Depth, text));

    public void H3(string text) => _blocks.Add(new Heading(3 + Depth, text));

    public void P(string text) => _blocks.Add(new Paragraph(text));

    public void List(IEnumerable<string> lines) => _blocks.Add(new Items(lines.ToList()));

    public void TableOf(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) => _blocks.Add(new Table(header, rows.ToList()));

    /// <summary>An SVG image: a file beside the Markdown, inline in the HTML.</summary>
    public void Svg(string file, string alt, string svg) => _blocks.Add(new Image(file, alt, svg));

    public string ToMarkdown()
    {
        var w = new CodeWriter();
        w.Line($"# {Md(Title)}");
        foreach (var block in _blocks)
        {
            w.Line();
            switch (block)
            {
                case Heading h:
                    w.Line($"{new string('#', h.Level)} {Md(h.Text)}");
                    break;
                case Paragraph p:
                    w.Line(Md(p.Text));
                    break;
                case Items items:
                    foreach (var line in items.Lines) w.Line($"- {Md(line)}");
                    break;
                case Table t:
                    w.Line("| " + string.Join(" | ", t.Header.Select(Md)) + " |");
                    w.Line("|" + string.Concat(t.Header.Select(_ => "---|")));
                    foreach (var row in t.Rows) w.Line("| " + string.Join(" | ", row.Select(Md)) + " |");
                    break;
                case Image image:
                    w.Line($"![{Md(image.Alt)}]({image.File})");
                    break;
            }
        }
        return w.ToString();
    }

    public string ToHtml()
    {
        var w = new CodeWriter("  ");
        w.Line("<!DOCTYPE html>");
        w.Line("<html lang=\"en\">");
        w.Line("<head>");
        w.Line("<meta charset=\"utf-8\">");
        w.Line($"<title>{Html(Title)}</title>");
        w.Line("<style>body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;font-size:.9rem}th{background:#f3f3f3}tr.chosen td{background:#e8f4e8;font-weight:600}</style>");
        w.Line("</head>");
        w.Line("<body>");
        w.Line($"<h1>{Html(Title)}</h1>");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h:
                    w.Line($"<h{h.Level}>{Html(h.Text)}</h{h.Level}>");
                    break;
                case Paragraph p:
                    w.Line($"<p>{Html(p.Text)}</p>");
                    break;
                case Items items:
                    w.Line("<ul>");
                    foreach (var line in items.Lines) w.Line($"<li>{Html(line)}</li>");
                    w.Line("</ul>");
                    break;
                case Table t:
                    w.Line("<table>");
                    w.Line("<tr>" + string.Concat(t.Header.Select(h => $"<th>{Html(h)}</th>")) + "</tr>");
                    int chosen = t.Header.ToList().IndexOf("chosen");
                    foreach (var row in t.Rows)
                    {
                        string cls = chosen >= 0 && row[chosen] == "yes" ? " class=\"chosen\"" : "";
                        w.Line($"<tr{cls}>" + string.Concat(row.Select(c => $"<td>{Html(c)}</td>")) + "</tr>");
                    }
                    w.Line("</table>");
                    break;
                case Image image:
                    w.Line($"<figure aria-label=\"{Html(image.Alt)}\">");
                    foreach (var line in image.Svg.TrimEnd('\n').Split('\n')) w.Line(line);
                    w.Line("</figure>");
                    break;
            }
        }
        w.Line("</body>");
        w.Line("</html>");
        return w.ToString();
    }

    /// <summary>User text in Markdown: printable, no table or code breaks.</summary>
    public static string Md(string text) => Escaping.Comment(text).Replace("|", "\\|").Replace("`", "'");

    public static string Html(string text) => Escaping.Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
