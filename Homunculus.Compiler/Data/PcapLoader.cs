using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Data;

/// <summary>
/// Turns labelled packet captures into rows: one row per packet (that passes the capture's filter), each
/// feature the value of its packet field computed by <see cref="PacketFieldExtractor"/>, the semantics the
/// generated switch parser implements, with the capture's declared ingress port (docs/packet-features.md).
/// </summary>
public static class PcapLoader
{
    /// <summary>The encoding of a packet or flow field: its unsigned value as is (scale 1, offset 0, the field's width).</summary>
    public static FeatureEncoding Encoding(string name, string field)
    {
        int bits = PacketFields.Find(field)?.Bits ?? FlowFields.Find(field)?.Bits
            ?? throw new ArgumentException($"'{field}' is neither a packet field nor a flow field", nameof(field));
        return new FeatureEncoding
        {
            Name = name,
            Kind = FeatureKind.Integer,
            Bits = bits,
            Scale = 1,
            Offset = 0,
            Max = bits >= 63 ? long.MaxValue : (1L << bits) - 1,
            Field = field,
        };
    }

    /// <param name="FlowPackets">Per row, the packet count of its flow (kept for a searched classification point).</param>
    /// <param name="Frames">Every frame of the capture: the test vectors of a capture the test rows come from.</param>
    private sealed record CaptureRows(PcapCapture Capture, List<long[]> Rows, List<long> FlowPackets, int Filtered, int Undecided, CaptureFrames Frames);

    public static LoadedData? Load(HSpec spec, IReadOnlyDictionary<string, byte[]> files, DiagnosticBag diagnostics)
    {
        var pcap = spec.Data.Pcap!;
        var fields = spec.Features.Select(f => f.Field!).ToList();
        var encodings = spec.Features.Select((f, i) => Encoding(f.Name, fields[i])).ToList();

        var train = ReadAll(spec, pcap.Train, fields, files, diagnostics);
        var test = ReadAll(spec, pcap.Test, fields, files, diagnostics);
        if (train is null || test is null) return null;

        List<ClassInfo> classes = spec.Data.Classes is { } declared
            ? declared.Select(c => new ClassInfo { Name = c.Name, Labels = c.Labels.ToEquatableArray(), TakesOtherLabels = c.TakesOtherLabels }).ToList()
            : (spec.Models.Count > 0 ? train.Concat(test) : train).Select(c => c.Capture.Label).Distinct().OrderBy(l => l, StringComparer.Ordinal)
                .Select(l => new ClassInfo { Name = l, Labels = EquatableArray.From(l) }).ToList();
        var labelToClass = new Dictionary<string, int>(StringComparer.Ordinal);
        int otherClass = -1;
        for (int c = 0; c < classes.Count; c++)
        {
            foreach (var label in classes[c].Labels) labelToClass[label] = c;
            if (classes[c].TakesOtherLabels) otherClass = c;
        }
        int? ClassOf(CaptureRows capture)
        {
            if (labelToClass.TryGetValue(capture.Capture.Label, out int cls)) return cls;
            if (otherClass >= 0) return otherClass;
            diagnostics.Report(DiagnosticCatalog.UnmappedLabel, capture.Capture.File.Location, capture.Capture.Label);
            return null;
        }
        var trainClasses = train.Select(ClassOf).ToList();
        var testClasses = test.Select(ClassOf).ToList();
        if (diagnostics.HasErrors) return null;

        // A class with no packet at all (every capture filtered empty) is an error: the filter is probably wrong.
        for (int c = 0; c < classes.Count; c++)
        {
            var ofClass = Enumerable.Range(0, train.Count).Where(i => trainClasses[i] == c).ToList();
            if (ofClass.Count > 0 && ofClass.Sum(i => train[i].Rows.Count) == 0)
            {
                var first = train[ofClass[0]].Capture;
                string why = ofClass.Sum(i => train[i].Undecided) > 0 && spec.Flow is { } flow
                    ? $"reaches its flow's packet {flow.ClassifyAt}, where the model decides (flow.classifyAt)"
                    : "passes the filter";
                diagnostics.Report(DiagnosticCatalog.NoPackets, first.File.Location, first.File.Written, first.Label, why);
                return null;
            }
        }

        var notes = new List<string>
        {
            $"{train.Sum(c => c.Rows.Count) + test.Sum(c => c.Rows.Count)} packets from {train.Count + test.Count} captures"
                + (train.Sum(c => c.Filtered) + test.Sum(c => c.Filtered) is int filtered and > 0 ? $" ({filtered} packets dropped by the {FilterName(pcap)})" : "")
                + (train.Sum(c => c.Undecided) + test.Sum(c => c.Undecided) is int undecided and > 0 ? $" ({undecided} packets before their flow's packet {spec.Flow!.ClassifyAt}, where the model decides)" : ""),
        };

        Dataset trainSet, testSet;
        List<CaptureRows> testCaptures = test;
        bool holdout = test.Count == 0;
        if (!holdout)
        {
            trainSet = Rows(train, trainClasses, Enumerable.Range(0, train.Count));
            testSet = Rows(test, testClasses, Enumerable.Range(0, test.Count), train.Count);
        }
        else if (pcap.HoldoutByFile)
        {
            // Whole captures per class: seeded, stratified by class over files (a class with one file keeps it for training).
            var (keep, heldOut) = Splits.Stratified(trainClasses.Select(c => c!.Value).ToList(), spec.Data.Holdout, spec.Seed);
            trainSet = Rows(train, trainClasses, keep);
            testSet = Rows(train, trainClasses, heldOut);
            testCaptures = heldOut.Select(i => train[i]).ToList();
            notes.Add($"test set: {heldOut.Count} of {train.Count} captures held out whole (per class, seed {spec.Seed})");
        }
        else
        {
            var all = Rows(train, trainClasses, Enumerable.Range(0, train.Count));
            var (keep, heldOut) = Splits.Stratified(all.Classes, spec.Data.Holdout, spec.Seed);
            trainSet = all.Subset(keep);
            testSet = all.Subset(heldOut);
            testCaptures = train;
        }
        if (trainSet.Classes.Distinct().Count() < 2)
        {
            diagnostics.Report(DiagnosticCatalog.SingleClass, spec.Data.LabelLocation, trainSet.Rows == 0 ? "(none)" : classes[trainSet.Classes[0]].Name);
            return null;
        }
        if (testSet.Rows == 0)
        {
            diagnostics.Report(DiagnosticCatalog.EmptyData, spec.Data.LabelLocation, "the test set (every class has a single capture: add captures, set data.test, or use \"holdoutBy\": \"packet\")");
            return null;
        }
        return new LoadedData(encodings, classes, trainSet, testSet, holdout, notes) { TestCaptures = testCaptures.Select(c => c.Frames).ToList() };

        // A row's group is its capture: index in the training captures, test captures numbered after them.
        Dataset Rows(List<CaptureRows> captures, List<int?> classOf, IEnumerable<int> which, int firstGroup = 0)
        {
            var encoded = new List<long>();
            var labels = new List<int>();
            var flowPackets = new List<long>();
            var groups = new List<int>();
            foreach (int i in which)
            {
                foreach (var row in captures[i].Rows)
                {
                    for (int f = 0; f < row.Length; f++) encoded.Add(FeatureEncoder.EncodeNumber(encodings[f], row[f]));
                    labels.Add(classOf[i]!.Value);
                    groups.Add(firstGroup + i);
                }
                flowPackets.AddRange(captures[i].FlowPackets);
            }
            // Only a searched classification point needs the counts; otherwise the rows are already the decided ones.
            return new Dataset(encodings.Count, encoded.ToArray(), labels.ToArray(), spec.ClassifyAtChoices is null ? null : flowPackets.ToArray(), groups.ToArray());
        }
    }

    private static List<CaptureRows>? ReadAll(HSpec spec, IReadOnlyList<PcapCapture> captures, List<string> fields, IReadOnlyDictionary<string, byte[]> files, DiagnosticBag diagnostics)
    {
        // A filter address written inline (checked by the parser) or read from a file beside the capture.
        bool TryAddress(string? text, DataPath? file, Func<string?, byte[]?> parse, string what, out byte[]? address)
        {
            address = null;
            if (text is not null) address = parse(text);
            else if (file is not null)
            {
                string content = System.Text.Encoding.UTF8.GetString(files[file.FullPath]);
                address = parse(content);
                if (address is null)
                {
                    diagnostics.Report(DiagnosticCatalog.DataReadError, file.Location, file.FullPath, $"it does not hold {what} (found '{content.Trim()}')");
                    return false;
                }
            }
            return true;
        }

        var result = new List<CaptureRows>();
        foreach (var capture in captures)
        {
            if (!TryAddress(capture.EthSrc, capture.EthSrcFile, PcapReader.ParseMac, "a MAC address", out var mac)
                || !TryAddress(capture.IpSrc, capture.IpSrcFile, PcapReader.ParseIp, "an IPv4 or IPv6 address", out var ip))
                return null;
            byte[] bytes = files[capture.File.FullPath];
            var frames = PcapReader.TryRead(bytes, out string? error);
            if (frames is null)
            {
                diagnostics.Report(DiagnosticCatalog.PcapUnreadable, capture.File.Location, DataLoader.DisplayPath(spec, capture.File.FullPath), error!);
                return null;
            }
            var rows = new List<long[]>(frames.Count);
            var flowPackets = new List<long>(frames.Count);
            int filtered = 0, undecided = 0;
            var selected = new bool[frames.Count];
            // One flow table per capture (a capture is one traffic source); every frame updates the flows, as
            // every packet through the switch does, but only the selected, decided packets become rows.
            var pipeline = new PacketFeaturePipeline(fields, spec.Flow);
            foreach (var frame in frames)
            {
                var values = new long[fields.Count];
                bool decided = pipeline.Observe(bytes, frame.Offset, frame.CapturedLength, frame.TimestampMicroseconds, values, capture.IngressPort ?? 0);
                if ((mac is not null && !FromMac(bytes, frame, mac)) || (ip is not null && !FromIp(bytes, frame, ip)))
                {
                    filtered++;
                    continue;
                }
                selected[frame.Index] = true;
                if (!decided)
                {
                    undecided++;
                    continue;
                }
                rows.Add(values);
                flowPackets.Add(pipeline.LastFlowPackets);
            }
            result.Add(new CaptureRows(capture, rows, flowPackets, filtered, undecided, new CaptureFrames(capture.Label, bytes, frames, selected) { IngressPort = capture.IngressPort }));
        }
        return result;
    }

    private static string FilterName(PcapData pcap) =>
        pcap.Train.Concat(pcap.Test).Any(c => c.IpSrc is not null || c.IpSrcFile is not null) ? "source-address filter" : "source-MAC filter";

    /// <summary>
    /// Whether the frame's IPv4 source address (4 bytes of <paramref name="address"/>) or IPv6 source address (16
    /// bytes) is <paramref name="address"/>, the IP header found as <see cref="PacketFieldExtractor"/> finds it
    /// (behind at most one 802.1Q tag, whole). An IPv4 address never matches an IPv6 packet, nor the reverse.
    /// </summary>
    public static bool FromIp(byte[] bytes, PcapFrame frame, byte[] address)
    {
        var layout = PacketFieldExtractor.Parse(bytes, frame.Offset, frame.CapturedLength);
        int source = address.Length == 4 && layout.Ipv4 >= 0 ? layout.Ipv4 + 12
            : address.Length == 16 && layout.Ipv6 >= 0 ? layout.Ipv6 + 8
            : -1;
        if (source < 0) return false;
        for (int i = 0; i < address.Length; i++)
            if (bytes[frame.Offset + source + i] != address[i]) return false;
        return true;
    }

    /// <summary>Whether the frame's Ethernet source address (bytes 6-11) is <paramref name="mac"/>.</summary>
    public static bool FromMac(byte[] bytes, PcapFrame frame, byte[] mac)
    {
        if (frame.CapturedLength < 12) return false;
        for (int i = 0; i < 6; i++)
            if (bytes[frame.Offset + 6 + i] != mac[i]) return false;
        return true;
    }
}
