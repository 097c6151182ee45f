using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;
using PacketDotNet;

namespace Homunculus.Compiler.Tests.Packets;

/// <summary>
/// Packet-field features (docs/packet-features.md): the reference extractor against an independent decoder
/// (PacketDotNet) on every packet of the sample captures, on crafted and on fuzzed frames; the pcap loader's
/// rows against the extractor; the generated P4 parser and ingress, executed on the frames, against the
/// extractor and the reference interpreter.
/// </summary>
public sealed class PacketFieldTests
{
    public static string SampleFolder => Path.Combine(Repository.Root, "samples", "DeviceClassification");

    public static IEnumerable<string> SampleCaptures() =>
        Directory.GetFiles(Path.Combine(SampleFolder, "data"), "*.pcap", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>Every frame of every sample capture (no MAC filter).</summary>
    public static IEnumerable<byte[]> SampleFrames()
    {
        foreach (var path in SampleCaptures())
        {
            var bytes = File.ReadAllBytes(path);
            foreach (var f in PcapReader.TryRead(bytes, out _)!) yield return bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
        }
    }

    private static long Field(string name, byte[] frame) => PacketFieldExtractor.Extract(new[] { PacketFields.Find(name)! }, frame)[0];

    [Fact]
    public void Catalogue_names_are_unique_and_widths_fit_16_bits()
    {
        Assert.Equal(PacketFields.Names.Count, PacketFields.Names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(PacketFields.All, f => Assert.InRange(f.Bits, 1, 16));
        Assert.Equal("ipv4.ttl", PacketFields.Suggest("ipv4.tll"));
        Assert.Null(PacketFields.Find("IPV4.TTL"));
    }

    [Fact]
    public void Extractor_agrees_with_PacketDotNet_on_every_sample_packet()
    {
        int frames = 0, tcp = 0, udp = 0, ipv6 = 0;
        foreach (var frame in SampleFrames())
        {
            frames++;
            var eth = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame);
            Assert.Equal(frame.Length, Field("packet.length", frame));
            Assert.Equal((long)(ushort)eth.Type, Field("eth.type", frame));
            var ip4 = eth.PayloadPacket as IPv4Packet;
            var ip6 = eth.PayloadPacket as IPv6Packet;
            Assert.Equal(ip4 is null ? 0 : ip4.TimeToLive, Field("ipv4.ttl", frame));
            Assert.Equal(ip4 is null ? 0 : (long)ip4.Protocol, Field("ipv4.protocol", frame));
            Assert.Equal(ip4 is null ? 0 : ip4.TotalLength, Field("ipv4.totalLength", frame));
            Assert.Equal(ip4 is null ? 0 : ip4.HeaderLength, Field("ipv4.ihl", frame));
            Assert.Equal(ip6 is null ? 0 : (long)ip6.NextHeader, Field("ipv6.nextHeader", frame));
            Assert.Equal(ip6 is null ? 0 : ip6.HopLimit, Field("ipv6.hopLimit", frame));
            if (ip6 is not null) ipv6++;
            bool firstFragment = ip4 is null || ip4.FragmentOffset == 0;
            var t = firstFragment ? (eth.PayloadPacket?.PayloadPacket as TcpPacket) : null;
            var u = firstFragment ? (eth.PayloadPacket?.PayloadPacket as UdpPacket) : null;
            if (t is not null) tcp++;
            if (u is not null) udp++;
            Assert.Equal(t?.SourcePort ?? 0, Field("tcp.srcPort", frame));
            Assert.Equal(t?.DestinationPort ?? 0, Field("tcp.dstPort", frame));
            Assert.Equal(t is null ? 0 : t.Flags & 0xFF, Field("tcp.flags", frame));
            Assert.Equal(t?.WindowSize ?? 0, Field("tcp.window", frame));
            Assert.Equal(u?.SourcePort ?? 0, Field("udp.srcPort", frame));
            Assert.Equal(u?.DestinationPort ?? 0, Field("udp.dstPort", frame));
            Assert.Equal(u?.Length ?? 0, Field("udp.length", frame));
        }
        Assert.True(frames > 5000 && tcp > 500 && udp > 500, $"{frames} frames, {tcp} TCP, {udp} UDP, {ipv6} IPv6");
    }

    internal static byte[] Frame(int etherType, params byte[] payload)
    {
        var frame = new byte[14 + payload.Length];
        frame[12] = (byte)(etherType >> 8);
        frame[13] = (byte)etherType;
        payload.CopyTo(frame, 14);
        return frame;
    }

    internal static byte[] Ipv4(int ihl, int protocol, int fragment, params byte[] rest)
    {
        var header = new byte[ihl * 4];
        header[0] = (byte)(0x40 | ihl);
        header[1] = 0xB9;                 // DSCP 46, ECN 1
        header[2] = 0x01; header[3] = 0x23;
        header[6] = (byte)(0x40 | (fragment >> 8));   // DF
        header[7] = (byte)fragment;
        header[8] = 64;
        header[9] = (byte)protocol;
        return header.Concat(rest).ToArray();
    }

    private static readonly byte[] Udp = { 0x12, 0x34, 0x00, 0x35, 0x00, 0x10, 0, 0 };

    [Fact]
    public void Crafted_frames_follow_the_documented_rules()
    {
        // IPv4 with 2 option words: UDP behind the options.
        var withOptions = Frame(0x0800, Ipv4(7, 17, 0, Udp));
        Assert.Equal(0x35, Field("udp.dstPort", withOptions));
        Assert.Equal(46, Field("ipv4.dscp", withOptions));
        Assert.Equal(1, Field("ipv4.ecn", withOptions));
        Assert.Equal(2, Field("ipv4.flags", withOptions));
        Assert.Equal(7, Field("ipv4.ihl", withOptions));
        // A later fragment has no layer 4.
        Assert.Equal(0, Field("udp.dstPort", Frame(0x0800, Ipv4(5, 17, 185, Udp))));
        Assert.Equal(64, Field("ipv4.ttl", Frame(0x0800, Ipv4(5, 17, 185, Udp))));
        // IHL below 5: IPv4 fields, no layer 4.
        var bad = Frame(0x0800, Ipv4(5, 17, 0, Udp));
        bad[14] = 0x43;
        Assert.Equal(64, Field("ipv4.ttl", bad));
        Assert.Equal(0, Field("udp.dstPort", bad));
        // One 802.1Q tag: eth.type is the inner type, IPv4 behind it.
        var tagged = Frame(0x8100, new byte[] { 0x20, 0x05, 0x08, 0x00 }.Concat(Ipv4(5, 17, 0, Udp)).ToArray());
        Assert.Equal(0x0800, Field("eth.type", tagged));
        Assert.Equal(0x1234, Field("udp.srcPort", tagged));
        // A tag that does not fit: eth.type stays 0x8100.
        Assert.Equal(0x8100, Field("eth.type", Frame(0x8100, 0x20)));
        // IPv6 + ICMPv6; IPv4 protocol 58 is not ICMP.
        var v6 = new byte[40];
        v6[0] = 0x6A; v6[1] = 0xB0; v6[5] = 8; v6[6] = 58; v6[7] = 255;
        var icmp6 = Frame(0x86DD, v6.Concat(new byte[] { 135, 0, 0, 0 }).ToArray());
        Assert.Equal(135, Field("icmp.type", icmp6));
        Assert.Equal(0xAB, Field("ipv6.trafficClass", icmp6));
        Assert.Equal(255, Field("ipv6.hopLimit", icmp6));
        Assert.Equal(0, Field("icmp.type", Frame(0x0800, Ipv4(5, 58, 0, 135, 0, 0, 0))));
        Assert.Equal(8, Field("icmp.type", Frame(0x0800, Ipv4(5, 1, 0, 8, 0, 0, 0))));
        // Truncated UDP header: UDP fields default, IPv4 fields stay.
        var truncated = Frame(0x0800, Ipv4(5, 17, 0, Udp.Take(6).ToArray()));
        Assert.Equal(0, Field("udp.srcPort", truncated));
        Assert.Equal(17, Field("ipv4.protocol", truncated));
        // No Ethernet header at all.
        Assert.Equal(0, Field("eth.type", new byte[10]));
        Assert.Equal(10, Field("packet.length", new byte[10]));
    }

    [Fact]
    public void Extractor_never_throws_on_truncated_or_random_frames()
    {
        var random = new Random(7);
        var all = PacketFields.All;
        foreach (var frame in SampleFrames().Take(400))
        {
            for (int cut = 0; cut <= Math.Min(frame.Length, 80); cut++)
            {
                var values = PacketFieldExtractor.Extract(all, frame, 0, cut);
                for (int i = 0; i < all.Count; i++) Assert.InRange(values[i], 0, all[i].Mask);
            }
        }
        for (int n = 0; n < 3000; n++)
        {
            var frame = new byte[random.Next(0, 120)];
            random.NextBytes(frame);
            if (frame.Length > 13 && n % 3 == 0) { frame[12] = 0x08; frame[13] = 0x00; }
            if (frame.Length > 13 && n % 3 == 1) { frame[12] = 0x86; frame[13] = 0xDD; }
            PacketFieldExtractor.Extract(all, frame);
        }
        Assert.Equal(new long[all.Count].Select((_, i) => i == 0 ? 0L : 0L), PacketFieldExtractor.Extract(all, null!, 0, 0));
    }

    [Fact]
    public void Pcap_reader_reads_both_byte_orders_and_nanosecond_files()
    {
        var original = File.ReadAllBytes(SampleCaptures().First());
        var frames = PcapReader.TryRead(original, out _)!;
        var big = (byte[])original.Clone();
        Swap(big, 0, 4); Swap(big, 4, 2); Swap(big, 6, 2); Swap(big, 8, 4); Swap(big, 12, 4); Swap(big, 16, 4); Swap(big, 20, 4);
        int at = PcapReader.GlobalHeaderBytes;
        foreach (var f in frames)
        {
            for (int k = 0; k < 16; k += 4) Swap(big, at + k, 4);
            at += PcapReader.RecordHeaderBytes + f.CapturedLength;
        }
        Assert.Equal(frames, PcapReader.TryRead(big, out _));
        var nano = (byte[])original.Clone();
        BitConverter.GetBytes(PcapReader.MagicNanoseconds).CopyTo(nano, 0);
        // The same records read as nanoseconds: same frames, the fraction of each timestamp / 1000.
        var asNanoseconds = PcapReader.TryRead(nano, out _)!;
        Assert.Equal(frames.Select(f => (f.Offset, f.CapturedLength)), asNanoseconds.Select(f => (f.Offset, f.CapturedLength)));
        Assert.Equal(frames.Select(f => f.TimestampMicroseconds / 1_000_000 * 1_000_000 + f.TimestampMicroseconds % 1_000_000 / 1000), asNanoseconds.Select(f => f.TimestampMicroseconds));
        Assert.True(frames.Select(f => f.TimestampMicroseconds).Distinct().Count() > 1 && frames.All(f => f.TimestampMicroseconds > 1_000_000_000_000L), "capture timestamps are read");
        Assert.Null(PcapReader.TryRead(original.AsSpan(0, original.Length - 3).ToArray(), out var error));
        Assert.Contains("file ends", error);
        Assert.Null(PcapReader.TryRead(new byte[] { 0x0A, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, out error));
        Assert.Contains("pcapng", error);

        static void Swap(byte[] b, int at, int n) => Array.Reverse(b, at, n);
    }

    private static (HSpec Spec, LoadedData Data) LoadSample(string? specText = null)
    {
        string path = Path.Combine(SampleFolder, "devices.hspec");
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(path, specText ?? File.ReadAllText(path), diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        var files = DataLoader.ReadFiles(spec!, diagnostics)!;
        var data = DataLoader.Load(spec!, files, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        return (spec!, data!);
    }

    /// <summary>The held-out packets of the sample, as the sample program reads them: per device folder, the frames the device sent.</summary>
    public static IEnumerable<(string Device, byte[] Frame)> SampleTestPackets()
    {
        foreach (var folder in Directory.GetDirectories(Path.Combine(SampleFolder, "data", "test")).Order(StringComparer.Ordinal))
        {
            var mac = PcapReader.ParseMac(File.ReadAllText(Path.Combine(folder, "_iotdevice-mac.txt")))!;
            foreach (var path in Directory.GetFiles(folder, "*.pcap").Order(StringComparer.Ordinal))
            {
                var bytes = File.ReadAllBytes(path);
                foreach (var f in PcapReader.TryRead(bytes, out _)!)
                    if (PcapLoader.FromMac(bytes, f, mac)) yield return (Path.GetFileName(folder), bytes.AsSpan(f.Offset, f.CapturedLength).ToArray());
            }
        }
    }

    [Fact]
    public void Loader_rows_are_the_extractor_values_of_the_filtered_packets()
    {
        var (spec, data) = LoadSample();
        var fields = spec.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var expected = SampleTestPackets().ToList();
        Assert.Equal(expected.Count, data.Test.Rows);
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.Equal(PacketFieldExtractor.Extract(fields, expected[r].Frame), data.Test.Row(r));
            Assert.Equal(expected[r].Device, data.Classes[data.Test.Classes[r]].Name);
        }
        Assert.All(data.Features, f => Assert.Equal((0L, 1L, FeatureKind.Integer), (f.Offset, f.Scale, f.Kind)));
        Assert.False(data.TestIsHoldout);
    }

    [Fact]
    public void Holdout_by_file_never_splits_a_capture()
    {
        string text = File.ReadAllText(Path.Combine(SampleFolder, "devices.hspec"))
            .Replace("\"test\": \"data/test/*/*.pcap\",", "\"holdoutBy\": \"file\", \"holdout\": 0.25,");
        var (_, data) = LoadSample(text);
        Assert.True(data.TestIsHoldout);
        Assert.Contains(data.Notes, n => n.Contains("captures held out whole", StringComparison.Ordinal));
        // Row sets of train and test come from disjoint captures: no test row sequence is a train capture's.
        Assert.True(data.Test.Rows > 0 && data.Train.Rows > data.Test.Rows);
    }

    /// <summary>The compiled sample model (trees), compiled once.</summary>
    private static readonly Lazy<ModelFile> SampleModel = new(() => Compile(File.ReadAllText(Path.Combine(SampleFolder, "devices.hspec"))));

    internal static ModelFile Compile(string specText)
    {
        using var project = new TempProject();
        string dataFolder = Path.Combine(SampleFolder, "data").Replace('\\', '/');
        project.Spec(specText.Replace("\"data/", $"\"{dataFolder}/"));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Model!;
    }

    /// <summary>The P4 program's parser and ingress, executed on real frames, give the reference interpreter's class.</summary>
    private static void AssertP4MatchesReference(ModelFile model, int maxPackets)
    {
        string program = new Bmv2Emitter().Emit(model).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var frames = SampleTestPackets().Select(p => p.Frame).Take(maxPackets).ToList();
        // Truncated copies too: every prefix length exercises a header that does not fit.
        var random = new Random(3);
        frames.AddRange(frames.Take(200).Select(f => f.AsSpan(0, random.Next(0, f.Length + 1)).ToArray()).ToList());
        int n = 0;
        foreach (var frame in frames)
        {
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, valid, frame.Length);
            var raw = PacketFieldExtractor.Extract(fields, frame);
            for (int f = 0; f < model.Features.Count; f++)
                Assert.True(raw[f] == env[P4FeatureTransport.FieldRef(model.Features[f])], $"frame {n}: feature {model.Features[f].Name}: P4 {env[P4FeatureTransport.FieldRef(model.Features[f])]}, reference {raw[f]}");
            var encoded = raw.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
            Assert.Equal(ReferenceInterpreter.Predict(model, encoded), env[P4PacketFields.ResultRef]);
            n++;
        }
    }

    [Fact]
    public void P4_program_of_the_sample_classifies_every_test_packet_as_the_reference()
    {
        var model = SampleModel.Value;
        Assert.True(model.ReadsPacketFields);
        AssertP4MatchesReference(model, int.MaxValue);
    }

    [Fact]
    public void P4_network_program_on_packet_fields_matches_the_reference()
    {
        string text = File.ReadAllText(Path.Combine(SampleFolder, "devices.hspec"))
            .Replace("\"algorithms\": [\"tree\", \"forest\"]", "\"algorithms\": [\"dnn\"]")
            .Replace("\"tree\": { \"depth\": 12, \"maxLeaves\": 256, \"minLeaf\": 2 },", "\"dnn\": { \"hidden\": [8], \"epochs\": 3 },");
        var model = Compile(text);
        Assert.IsType<MlpModel>(model.Model);
        AssertP4MatchesReference(model, 400);
    }

    [Fact]
    public void P4_program_parses_only_what_the_features_need()
    {
        string full = P4Text.StripLineComments(new Bmv2Emitter().Emit(SampleModel.Value)[0].Content);
        foreach (var state in new[] { "parse_vlan", "parse_ipv4", "parse_ipv4_opt10", "parse_ipv4_l4", "parse_ipv6", "parse_tcp", "parse_udp", "parse_icmp" })
            Assert.Contains($"state {state} {{", full);
        Assert.DoesNotContain("features_t", full);
        Assert.DoesNotContain("0x88B5", full);
        Assert.Contains("m.result = m.best_cls;", full);

        string text = File.ReadAllText(Path.Combine(SampleFolder, "devices.hspec"));
        int start = text.IndexOf("\"features\": [", StringComparison.Ordinal), end = text.IndexOf(']', start);
        var small = Compile(text.Substring(0, start) + "\"features\": [\"ipv4.ttl\", \"packet.length\"" + text.Substring(end));
        string program = P4Text.StripLineComments(new Bmv2Emitter().Emit(small)[0].Content);
        Assert.Contains("state parse_ipv4 {", program);
        foreach (var state in new[] { "parse_ipv6", "parse_tcp", "parse_udp", "parse_icmp", "parse_ipv4_opt1", "parse_ipv4_l4" })
            Assert.DoesNotContain($"state {state} ", program);
        Assert.True(P4Text.Balanced(program, '{', '}'));
        AssertP4MatchesReference(small, 300);
    }
}
