using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Diagnostics;
using nietras.SeparatedValues;

namespace Homunculus.Compiler.Data;

/// <summary>The columns a program needs from one data file, as text, with where each row came from.</summary>
public sealed class RawTable
{
    public required string File { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    /// <summary>Rows of the selected columns only (the order of <see cref="Selected"/>).</summary>
    public List<string[]> Rows { get; } = new();
    public List<int> LineNumbers { get; } = new();
    /// <summary>For each selected column and row, the 1-based character column of the field in its line.</summary>
    public List<int[]> FieldColumns { get; } = new();
    public required IReadOnlyList<string> Selected { get; init; }

    public SourceLocation Location(int row, int selectedColumn) =>
        new(File, LineNumbers[row], FieldColumns[row][selectedColumn]);

    /// <summary>Reads a data file (CSV, or ARFF by format or extension), keeping only the <paramref name="selected"/> columns.</summary>
    /// <returns>null when an error was reported.</returns>
    public static RawTable? Read(DataPath path, byte[] bytes, DataSpec spec, IReadOnlyList<(string Name, SourceLocation Location, DiagnosticDescriptor Missing)> selected, DiagnosticBag diagnostics)
    {
        using var text = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
        if (spec.FormatOf(path) == DataFormat.Arff)
        {
            var header = ArffHeader.Read(path, text, diagnostics);
            if (header is null) return null;
            return ReadRows(path, text, ',', hasHeader: false, header.Attributes, header.Lines, arff: true, selected, diagnostics);
        }
        return ReadRows(path, text, spec.Delimiter, spec.HasHeader, spec.Columns, 0, arff: false, selected, diagnostics);
    }

    /// <param name="lineOffset">Lines of the file before <paramref name="text"/>'s current position (ARFF headers).</param>
    private static RawTable? ReadRows(DataPath path, TextReader text, char delimiter, bool hasHeader, IReadOnlyList<string>? columns, int lineOffset, bool arff,
        IReadOnlyList<(string Name, SourceLocation Location, DiagnosticDescriptor Missing)> selected, DiagnosticBag diagnostics)
    {
        using var reader = Sep.New(delimiter)
            .Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true, DisableFastFloat = true })
            .From(text);

        bool headerPending = hasHeader;
        RawTable? table = null;
        int[] indexes = [];
        foreach (var row in reader)
        {
            int line = row.LineNumberFrom + lineOffset;
            if (headerPending)
            {
                headerPending = false;
                var header = new List<string>();
                for (int i = 0; i < row.ColCount; i++) header.Add(row[i].ToString().Trim());
                // Declared columns name the fields; the file's header row is then only skipped.
                columns ??= header;
                continue;
            }
            if (row.ColCount == 1 && row[0].Span.Trim().IsEmpty) continue;   // blank line
            if (arff && row.Span.TrimStart().StartsWith("%")) continue;   // ARFF comment
            if (table is null)
            {
                table = Start(path, columns ?? [], selected, diagnostics, out indexes);
                if (table is null) return null;
            }
            if (row.ColCount != table.Columns.Count)
            {
                diagnostics.Report(DiagnosticCatalog.RowWidth, new SourceLocation(path.FullPath, line, 1), row.ColCount, table.Columns.Count);
                return null;
            }
            var values = new string[indexes.Length];
            var positions = new int[indexes.Length];
            var rowSpan = row.Span;
            for (int i = 0; i < indexes.Length; i++)
            {
                var col = row[indexes[i]];
                values[i] = arff ? ArffHeader.Unquote(col.ToString()) : col.ToString();
                positions[i] = ColumnOf(rowSpan, col.Span);
            }
            table.Rows.Add(values);
            table.LineNumbers.Add(line);
            table.FieldColumns.Add(positions);
        }
        if (table is null && columns is not null)
        {
            table = Start(path, columns, selected, diagnostics, out _);
            if (table is null) return null;
        }
        if (table is null || table.Rows.Count == 0)
        {
            diagnostics.Report(DiagnosticCatalog.EmptyData, path.Location, path.FullPath);
            return null;
        }
        return table;
    }

    /// <summary>Removes the rows at <paramref name="rows"/> (ascending indexes).</summary>
    public void RemoveRows(IReadOnlyList<int> rows)
    {
        for (int i = rows.Count - 1; i >= 0; i--)
        {
            Rows.RemoveAt(rows[i]);
            LineNumbers.RemoveAt(rows[i]);
            FieldColumns.RemoveAt(rows[i]);
        }
    }

    private static RawTable? Start(DataPath path, IReadOnlyList<string> columns, IReadOnlyList<(string Name, SourceLocation Location, DiagnosticDescriptor Missing)> selected, DiagnosticBag diagnostics, out int[] indexes)
    {
        indexes = new int[selected.Count];
        bool ok = true;
        for (int i = 0; i < selected.Count; i++)
        {
            indexes[i] = IndexOf(columns, selected[i].Name);
            if (indexes[i] < 0)
            {
                diagnostics.Report(selected[i].Missing, selected[i].Location, selected[i].Name, Shorten(columns));
                ok = false;
            }
        }
        if (!ok) return null;
        var names = new List<string>();
        foreach (var s in selected) names.Add(s.Name);
        return new RawTable { File = path.FullPath, Columns = columns, Selected = names };
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (int i = 0; i < columns.Count; i++)
            if (columns[i] == name) return i;
        return -1;
    }

    private static string Shorten(IReadOnlyList<string> columns)
    {
        const int shown = 12;
        var list = new List<string>();
        for (int i = 0; i < columns.Count && i < shown; i++) list.Add(columns[i]);
        return string.Join(", ", list) + (columns.Count > shown ? $", ... ({columns.Count} in all)" : "");
    }

    /// <summary>1-based position of a field within its row's text, when the field is a slice of it.</summary>
    private static int ColumnOf(ReadOnlySpan<char> row, ReadOnlySpan<char> field)
    {
        if (row.IsEmpty || field.IsEmpty) return 1;
        long offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(field)) / sizeof(char);
        return offset >= 0 && offset < row.Length ? (int)offset + 1 : 1;
    }
}
