using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Data;

/// <summary>The data of a program, loaded, mapped to classes and encoded as the switch will see it.</summary>
public sealed record LoadedData(
    IReadOnlyList<FeatureEncoding> Features,
    IReadOnlyList<ClassInfo> Classes,
    Dataset Train,
    Dataset Test,
    bool TestIsHoldout,
    IReadOnlyList<string> Notes)
{
    /// <summary>
    /// Pcap data: the captures the test rows come from (the test captures, the captures held out whole, or with a
    /// per-packet holdout every capture), each with all its frames; null for CSV data.
    /// </summary>
    public IReadOnlyList<CaptureFrames>? TestCaptures { get; init; }
}

/// <summary>
/// Loads the .hspec's data files, derives each feature's integer encoding from the training rows
/// (never from the test rows), and encodes both sets.
/// </summary>
public static class DataLoader
{
    /// <summary>Fractional values keep at most this many decimal digits.</summary>
    public const int MaxDecimals = 6;

    /// <summary>Reads every data file once; the bytes also feed the content hash.</summary>
    public static IReadOnlyDictionary<string, byte[]>? ReadFiles(HSpec spec, DiagnosticBag diagnostics)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var paths = spec.Data.Train.Concat(spec.Data.Test is null ? [] : [spec.Data.Test]);
        foreach (var path in paths)
        {
            if (files.ContainsKey(path.FullPath)) continue;
            if (!File.Exists(path.FullPath))
            {
                diagnostics.Report(DiagnosticCatalog.DataFileNotFound, path.Location, path.FullPath);
                continue;
            }
            try
            {
                files[path.FullPath] = File.ReadAllBytes(path.FullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                diagnostics.Report(DiagnosticCatalog.DataReadError, path.Location, path.FullPath, e.Message);
            }
        }
        return diagnostics.HasErrors ? null : files;
    }

    public static LoadedData? Load(HSpec spec, IReadOnlyDictionary<string, byte[]> files, DiagnosticBag diagnostics)
    {
        if (spec.Data.Pcap is not null) return PcapLoader.Load(spec, files, diagnostics);
        var selected = spec.Features
            .Select(f => (f.Name, f.Location, DiagnosticCatalog.UnknownColumn))
            .Append((spec.Data.Label, spec.Data.LabelLocation, DiagnosticCatalog.MissingLabel))
            .ToList();

        var trainTables = new List<RawTable>();
        foreach (var path in spec.Data.Train)
        {
            var table = RawTable.Read(path, files[path.FullPath], spec.Data, selected, diagnostics);
            if (table is null) return null;
            trainTables.Add(table);
        }
        RawTable? testTable = null;
        if (spec.Data.Test is { } testPath)
        {
            testTable = RawTable.Read(testPath, files[testPath.FullPath], spec.Data, selected, diagnostics);
            if (testTable is null) return null;
        }

        var notes = new List<string>();
        var allTables = testTable is null ? trainTables : trainTables.Append(testTable).ToList();
        if (!ApplyMissing(spec, allTables, notes, diagnostics)) return null;

        int labelIndex = spec.Features.Count;
        // A schedule reads one class per label, of the test data too (its models map labels to their own classes).
        var classes = ClassMapping(spec, spec.Models.Count > 0 && testTable is not null ? trainTables.Append(testTable).ToList() : trainTables, diagnostics);
        if (classes is null) return null;

        var encodings = new List<FeatureEncoding>();
        for (int f = 0; f < spec.Features.Count; f++)
        {
            var encoding = DeriveEncoding(spec, spec.Features[f], f, trainTables, diagnostics);
            if (encoding is null) return null;
            encodings.Add(encoding);
        }

        var train = Encode(spec, trainTables, encodings, classes, labelIndex, diagnostics);
        if (train is null) return null;
        if (train.Classes.Distinct().Count() < 2)
        {
            diagnostics.Report(DiagnosticCatalog.SingleClass, spec.Data.LabelLocation, classes[train.Classes[0]].Name);
            return null;
        }

        Dataset test;
        bool holdout = testTable is null;
        if (testTable is not null)
        {
            var encodedTest = Encode(spec, [testTable], encodings, classes, labelIndex, diagnostics);
            if (encodedTest is null) return null;
            test = encodedTest;
        }
        else
        {
            var (trainRows, testRows) = Splits.Stratified(train.Classes, spec.Data.Holdout, spec.Seed);
            test = train.Subset(testRows);
            train = train.Subset(trainRows);
        }
        return new LoadedData(encodings, classes, train, test, holdout, notes);
    }

    /// <summary>Applies each feature's missing-value rule to every row (training and test alike); false on an error.</summary>
    private static bool ApplyMissing(HSpec spec, IReadOnlyList<RawTable> tables, List<string> notes, DiagnosticBag diagnostics)
    {
        var dropped = new int[spec.Features.Count];
        var filled = new int[spec.Features.Count];
        foreach (var table in tables)
        {
            var drop = new List<int>();
            for (int r = 0; r < table.Rows.Count; r++)
            {
                bool dropRow = false;
                for (int f = 0; f < spec.Features.Count; f++)
                {
                    var rule = spec.Features[f].Missing;
                    string value = table.Rows[r][f];
                    if (!rule.IsMissing(value)) continue;
                    switch (rule.Policy)
                    {
                        case MissingPolicy.Error:
                            diagnostics.Report(DiagnosticCatalog.MissingValue, table.Location(r, f), spec.Features[f].Name, value, DisplayPath(spec, table.File), table.LineNumbers[r]);
                            return false;
                        case MissingPolicy.Fill:
                            table.Rows[r][f] = rule.Fill!;
                            filled[f]++;
                            break;
                        default:
                            if (!dropRow) dropped[f]++;
                            dropRow = true;
                            break;
                    }
                }
                if (dropRow) drop.Add(r);
            }
            table.RemoveRows(drop);
        }
        for (int f = 0; f < spec.Features.Count; f++)
        {
            if (dropped[f] > 0) notes.Add($"feature '{spec.Features[f].Name}': {dropped[f]} rows with a missing value dropped");
            if (filled[f] > 0) notes.Add($"feature '{spec.Features[f].Name}': {filled[f]} missing values filled with '{spec.Features[f].Missing.Fill}'");
        }
        return true;
    }

    /// <summary>A data file as the user wrote it: relative to the .hspec's folder when inside it.</summary>
    public static string DisplayPath(HSpec spec, string file)
    {
        string relative = Path.GetRelativePath(Path.GetDirectoryName(spec.SpecPath)!, file);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? file : relative.Replace('\\', '/');
    }

    private static List<ClassInfo>? ClassMapping(HSpec spec, List<RawTable> tables, DiagnosticBag diagnostics)
    {
        int labelIndex = spec.Features.Count;
        if (spec.Data.Classes is { } declared)
        {
            return declared.Select(c => new ClassInfo
            {
                Name = c.Name,
                Labels = c.Labels.ToEquatableArray(),
                TakesOtherLabels = c.TakesOtherLabels,
            }).ToList();
        }
        var labels = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var table in tables)
            foreach (var row in table.Rows) labels.Add(row[labelIndex]);
        return labels.Select(l => new ClassInfo { Name = l, Labels = EquatableArray.From(l) }).ToList();
    }

    private static FeatureEncoding? DeriveEncoding(HSpec spec, FeatureSpec feature, int index, List<RawTable> tables, DiagnosticBag diagnostics)
    {
        var kind = feature.Kind;
        if (kind == FeatureKind.Categorical) return Categorical(feature, index, tables);

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        int decimals = 0;
        bool allIntegers = true;
        foreach (var table in tables)
        {
            for (int r = 0; r < table.Rows.Count; r++)
            {
                string text = table.Rows[r][index];
                if (!TryParse(text, out double value))
                {
                    if (kind is null && r == 0 && table == tables[0]) return Categorical(feature, index, tables);
                    diagnostics.Report(DiagnosticCatalog.NotANumber, table.Location(r, index), feature.Name, text, DisplayPath(spec, table.File), table.LineNumbers[r]);
                    return null;
                }
                min = Math.Min(min, value);
                max = Math.Max(max, value);
                if (value != Math.Floor(value))
                {
                    allIntegers = false;
                    decimals = Math.Max(decimals, DecimalsOf(text));
                }
            }
        }
        kind ??= allIntegers ? FeatureKind.Integer : FeatureKind.Fractional;
        long scale = feature.Scale ?? (kind == FeatureKind.Integer ? 1 : Pow10(Math.Clamp(decimals, 1, MaxDecimals)));
        double scaledMin = Math.Round((feature.Min ?? min) * scale, MidpointRounding.AwayFromZero);
        double scaledMax = Math.Round((feature.Max ?? max) * scale, MidpointRounding.AwayFromZero);
        // A declared minimum is the zero of the encoding; a derived one only when the data goes negative.
        long offset = feature.Min is not null || scaledMin < 0 ? (long)Math.Clamp(scaledMin, -(double)uint.MaxValue, uint.MaxValue) : 0;
        double span = Math.Max(1, scaledMax - offset);
        int bits = feature.Bits ?? (span >= uint.MaxValue ? 32 : BitLength((ulong)span));
        long fieldMax = bits >= 32 ? uint.MaxValue : (1L << bits) - 1;
        long clampMax = feature.Max is null ? fieldMax : (long)Math.Min(span, fieldMax);
        if (feature.Max is not null && feature.Bits is not null && span > fieldMax)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidValue, feature.Location, "features[].bits", $"of '{feature.Name}' ({bits}) cannot hold its declared range (needs {BitLength((ulong)span)} bits)");
            return null;
        }
        if (feature.Min is not null || feature.Max is not null)
        {
            double lo = feature.Min ?? double.NegativeInfinity, hi = feature.Max ?? double.PositiveInfinity;
            int outside = tables.Sum(t => t.Rows.Count(row => TryParse(row[index], out double v) && (v < lo || v > hi)));
            if (outside > 0)
                diagnostics.Report(DiagnosticCatalog.OutOfDeclaredRange, feature.Location, feature.Name, outside, Format(feature.Min), Format(feature.Max));
        }
        return new FeatureEncoding
        {
            Name = feature.Name,
            Kind = kind.Value,
            Bits = bits,
            Scale = scale,
            Offset = offset,
            Max = clampMax,
        };
    }

    private static string Format(double? value) => value is null ? "(open)" : value.Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A numeric-looking first value decides; a feature declared categorical is always categorical.</summary>
    private static FeatureEncoding Categorical(FeatureSpec feature, int index, List<RawTable> tables)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var table in tables)
            foreach (var row in table.Rows) values.Add(row[index]);
        int bits = BitLength((ulong)values.Count);   // codes 0..Count, Count = unknown
        return new FeatureEncoding
        {
            Name = feature.Name,
            Kind = FeatureKind.Categorical,
            Bits = bits,
            Max = (1L << bits) - 1,
            Categories = values.ToEquatableArray(),
        };
    }

    private static Dataset? Encode(HSpec spec, List<RawTable> tables, List<FeatureEncoding> encodings, List<ClassInfo> classes, int labelIndex, DiagnosticBag diagnostics)
    {
        int rows = tables.Sum(t => t.Rows.Count);
        int width = encodings.Count;
        var encoded = new long[rows * width];
        var classIndexes = new int[rows];
        var labelToClass = new Dictionary<string, int>(StringComparer.Ordinal);
        int otherClass = -1;
        for (int c = 0; c < classes.Count; c++)
        {
            foreach (var label in classes[c].Labels) labelToClass[label] = c;
            if (classes[c].TakesOtherLabels) otherClass = c;
        }

        int at = 0;
        foreach (var table in tables)
        {
            for (int r = 0; r < table.Rows.Count; r++, at++)
            {
                var row = table.Rows[r];
                for (int f = 0; f < width; f++)
                {
                    var encoding = encodings[f];
                    if (encoding.Kind == FeatureKind.Categorical)
                    {
                        encoded[at * width + f] = FeatureEncoder.EncodeCategory(encoding, row[f]);
                    }
                    else if (TryParse(row[f], out double value))
                    {
                        encoded[at * width + f] = FeatureEncoder.EncodeNumber(encoding, value);
                    }
                    else
                    {
                        diagnostics.Report(DiagnosticCatalog.NotANumber, table.Location(r, f), encoding.Name, row[f], DisplayPath(spec, table.File), table.LineNumbers[r]);
                        return null;
                    }
                }
                string label = row[labelIndex];
                if (labelToClass.TryGetValue(label, out int cls)) classIndexes[at] = cls;
                else if (otherClass >= 0) classIndexes[at] = otherClass;
                else
                {
                    diagnostics.Report(DiagnosticCatalog.UnmappedLabel, table.Location(r, labelIndex), label);
                    return null;
                }
            }
        }
        return new Dataset(width, encoded, classIndexes);
    }

    public static bool TryParse(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value) && !double.IsInfinity(value);

    private static int DecimalsOf(string text)
    {
        text = text.Trim();
        if (text.IndexOfAny(['e', 'E']) >= 0) return MaxDecimals;
        int dot = text.IndexOf('.');
        return dot < 0 ? 0 : text.Length - dot - 1;
    }

    private static long Pow10(int n)
    {
        long p = 1;
        for (int i = 0; i < n; i++) p *= 10;
        return p;
    }

    private static int BitLength(ulong value) => value == 0 ? 1 : 64 - System.Numerics.BitOperations.LeadingZeroCount(value);
}
