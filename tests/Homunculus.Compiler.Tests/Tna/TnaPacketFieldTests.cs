using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Homunculus.Compiler.CostModels;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Spatial;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>
/// Packet-field programs on Tofino and Taurus (docs/packet-features.md, docs/tofino.md): the emitted TNA parser
/// executed on the held-out sample packets (and truncated and crafted frames), its ingress run from the
/// entries JSON, against the reference extractor and interpreter; the structure of the TNA parser and
/// ingress; the resource model's PHV; packet.length refused; the Taurus program of a pcap spec.
/// </summary>
public sealed class TnaPacketFieldTests
{
    /// <summary>What the Tofino ingress parser takes before the frame: the intrinsic metadata and the port metadata.</summary>
    private static readonly Dictionary<string, int> Intrinsic = new(StringComparer.Ordinal) { ["ig_md"] = 64, ["PORT_METADATA_SIZE"] = 64 };

    private const string Features = "\"eth.type\", \"ipv4.ttl\", \"ipv4.ihl\", \"tcp.dstPort\", \"tcp.window\", \"udp.dstPort\", \"icmp.type\"";

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>The sample spec with other features, one small tree, and <paramref name="target"/>.</summary>
    internal static string SampleSpec(string target, string features = Features)
    {
        string text = File.ReadAllText(Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec"));
        int start = text.IndexOf("\"features\": [", StringComparison.Ordinal), end = text.IndexOf(']', start);
        text = text.Substring(0, start) + "\"features\": [" + features + text.Substring(end);
        text = Replace(text, "\"algorithms\": [\"tree\", \"forest\"]", "\"algorithms\": [\"tree\"]");
        text = Replace(text, "\"tree\": { \"depth\": 12, \"maxLeaves\": 256, \"minLeaf\": 2 }", "\"tree\": { \"depth\": 8, \"maxLeaves\": 48, \"minLeaf\": 2 }");
        return Replace(text, "\"target\": \"bmv2\"", $"\"target\": \"{target}\"");
    }

    private static readonly Lazy<ModelFile> SampleModel = new(() => PacketFieldTests.Compile(SampleSpec("tofino")));

    private static (string P4, string Json) Emit(ModelFile model)
    {
        var files = new TnaEmitter().Emit(model);
        return (files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content,
                files.Single(f => f.RelativePath.EndsWith("_entries.json", StringComparison.Ordinal)).Content);
    }

    // ---- crafted frames: the parse paths the sample captures may not take ----

    private static readonly byte[] Udp = { 0x04, 0x00, 0x00, 0x35, 0x00, 0x10, 0, 0 };
    private static readonly byte[] Tcp = { 0x9C, 0x40, 0x1F, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0x72, 0x10, 0, 0, 0, 0 };

    private static IEnumerable<byte[]> CraftedFrames()
    {
        static byte[] Frame(int etherType, params byte[] payload) => PacketFieldTests.Frame(etherType, payload);
        static byte[] Ipv4(int ihl, int protocol, int fragment, params byte[] rest) => PacketFieldTests.Ipv4(ihl, protocol, fragment, rest);

        // two option words, then UDP; ten, then TCP; TCP that does not fit; options that do not fit
        yield return Frame(0x0800, Ipv4(7, 17, 0, Udp));
        yield return Frame(0x0800, Ipv4(15, 6, 0, Tcp));
        yield return Frame(0x0800, Ipv4(6, 6, 0, Tcp.Take(12).ToArray()));
        yield return Frame(0x0800, Ipv4(9, 17, 0, 0, 0));
        // a later fragment and an IHL below 5: IPv4 fields, no layer 4
        yield return Frame(0x0800, Ipv4(5, 17, 185, Udp));
        var malformed = Frame(0x0800, Ipv4(5, 17, 0, Udp));
        malformed[14] = 0x44;
        yield return malformed;
        // ICMP echo; one 802.1Q tag; a tag that does not fit
        yield return Frame(0x0800, Ipv4(5, 1, 0, 8, 0, 0, 0));
        yield return Frame(0x8100, new byte[] { 0x20, 0x05, 0x08, 0x00 }.Concat(Ipv4(5, 6, 0, Tcp)).ToArray());
        yield return Frame(0x8100, 0x20);
        // IPv6 + ICMPv6, IPv6 + UDP
        var v6 = new byte[40];
        v6[0] = 0x60; v6[6] = 58; v6[7] = 255;
        yield return Frame(0x86DD, v6.Concat(new byte[] { 135, 0, 0, 0 }).ToArray());
        v6[6] = 17;
        yield return Frame(0x86DD, v6.Concat(Udp).ToArray());
        // ARP (Ethernet only), and not even Ethernet
        yield return Frame(0x0806, new byte[28]);
        yield return new byte[9];
    }

    /// <summary>The emitted parser (executed), then the read steps and tables (from the entries JSON), against the extractor and the interpreter.</summary>
    private static void AssertTnaMatchesReference(ModelFile model, IReadOnlyList<byte[]> frames)
    {
        var (p4, json) = Emit(model);
        var parser = new P4ParserEvaluator(p4, "IgParser", Intrinsic);
        var simulator = new TnaSimulator(json);
        Assert.Equal("m.result", simulator.ResultField);
        var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var classes = new HashSet<int>();
        for (int n = 0; n < frames.Count; n++)
        {
            var frame = frames[n];
            var (values, valid) = parser.Run(new byte[Intrinsic.Values.Sum() / 8].Concat(frame).ToArray());
            var state = simulator.Run(values, valid);
            var raw = PacketFieldExtractor.Extract(fields, frame);
            for (int f = 0; f < fields.Count; f++)
            {
                string field = P4FeatureTransport.FieldRef(model.Features[f]);
                Assert.True((ulong)raw[f] == state[field], $"frame {n}: {fields[f].Name}: TNA {state[field]}, reference {raw[f]}");
            }
            var encoded = raw.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
            int expected = ReferenceInterpreter.Predict(model, encoded);
            Assert.True((ulong)expected == state["m.result"], $"frame {n}: TNA class {state["m.result"]}, reference {expected}");
            classes.Add(expected);
        }
        Assert.Equal(0, simulator.Overlaps);
        Assert.True(classes.Count > 1, "the frames reach one class only; the check would be weak");
    }

    [Fact]
    public void Tna_program_of_the_sample_classifies_every_held_out_packet_as_the_reference()
    {
        var model = SampleModel.Value;
        Assert.True(model.ReadsPacketFields);
        Assert.True(new TnaEmitter().Supports(model));
        var frames = PacketFieldTests.SampleTestPackets().Select(p => p.Frame).ToList();
        Assert.True(frames.Count > 1000, $"{frames.Count} held-out packets");
        // Truncated copies: every cut makes some header not fit.
        var random = new Random(11);
        frames.AddRange(frames.Take(300).Select(f => f.AsSpan(0, random.Next(0, f.Length + 1)).ToArray()).ToList());
        frames.AddRange(CraftedFrames());
        AssertTnaMatchesReference(model, frames);
    }

    [Fact]
    public void Golden_packet_field_model_matches_the_reference_on_crafted_and_sample_frames()
    {
        var frames = CraftedFrames().Concat(PacketFieldTests.SampleTestPackets().Select(p => p.Frame).Take(400)).ToList();
        AssertTnaMatchesReference(TnaTestModels.PacketFields(), frames);
    }

    [Fact]
    public void One_layer_network_on_packet_fields_matches_the_reference()
    {
        // The svm shape of the golden tests without its one-hot feature, on a 16-bit, an 8-bit and a 16-bit packet field.
        var linear = TnaTestModels.Linear();
        var mlp = (MlpModel)linear.Model;
        var layer = mlp.Layers[0];
        var features = linear.Features.Take(3).Zip(new[] { "tcp.window", "ipv4.ttl", "udp.dstPort" }, (f, field) => f with { Field = field }).ToArray();
        var model = linear with
        {
            Features = features.ToEquatableArray(),
            Model = mlp with
            {
                Inputs = mlp.Inputs.Take(3).ToEquatableArray(),
                Layers = EquatableArray.From(layer with { Inputs = 3, Weights = Enumerable.Range(0, layer.Outputs).SelectMany(j => Enumerable.Range(0, 3).Select(i => layer.Weight(j, i))).ToEquatableArray() }),
            },
        };
        Assert.True(new TnaEmitter().Supports(model));
        var simulator = new TnaSimulator(Emit(model).Json);
        var seen = new HashSet<int>();
        foreach (var row in TnaEmitterTests.Rows(model, 2000, 5))
        {
            int expected = ReferenceInterpreter.Predict(model, row);
            Assert.True(expected == simulator.Run(model, row), $"row [{string.Join(", ", row)}]");
            seen.Add(expected);
        }
        Assert.Equal(2, seen.Count);
        Assert.Equal(0, simulator.Overlaps);
        AssertTnaMatchesReference(model, CraftedFrames().Concat(PacketFieldTests.SampleTestPackets().Select(p => p.Frame).Take(300)).ToList());
    }

    private static string Code => P4Text.StripLineComments(Emit(SampleModel.Value).P4);

    private static string Parser => P4Text.Block(Code, "parser IgParser(");

    private static string State(string parser, string name) => P4Text.Block(parser, $"state {name} {{");

    private static List<string> Statements(string block) =>
        block.Split(';').Select(s => Regex.Replace(s, @"\s+", " ").Trim()).Where(s => s.Length > 0).ToList();

    [Fact]
    public void Tna_parser_takes_the_intrinsic_metadata_first_and_initializes_every_metadata_field()
    {
        string parser = Parser;
        var start = Statements(State(parser, "start"));
        Assert.Equal("pkt.extract(ig_md)", start[0]);
        Assert.Equal("pkt.advance(PORT_METADATA_SIZE)", start[1]);
        Assert.Equal("transition parse_ethernet", start[^1]);
        var metadata = P4Text.Fields(Code, "struct ig_meta_t {").Keys.ToList();
        Assert.Contains("result", metadata);
        Assert.Contains("parser_error", metadata);
        Assert.All(SampleModel.Value.Features, f => Assert.Contains(P4FeatureTransport.FieldName(f), metadata));
        Assert.Equal(metadata.Select(m => $"m.{m} = 0").OrderBy(s => s, StringComparer.Ordinal), start.Skip(2).SkipLast(1).OrderBy(s => s, StringComparer.Ordinal));
        // no other state writes metadata, and nothing but start takes intrinsic metadata
        foreach (Match state in Regex.Matches(parser, @"state (\w+) \{"))
        {
            if (state.Groups[1].Value == "start") continue;
            string body = State(parser, state.Groups[1].Value);
            Assert.DoesNotMatch(@"\bm\.", body);
            Assert.DoesNotContain("ig_md", body);
            Assert.DoesNotContain("advance", body);
        }
    }

    [Fact]
    public void Tna_parser_has_the_standard_states_and_the_ipv4_option_chain()
    {
        string parser = Parser;
        var states = Regex.Matches(parser, @"state (\w+) \{").Select(m => m.Groups[1].Value).ToHashSet();
        var expected = new[] { "start", "parse_ethernet", "parse_vlan", "parse_ipv4", "parse_ipv4_l4", "parse_ipv4_protocol", "parse_ipv6", "parse_tcp", "parse_udp", "parse_icmp" }
            .Concat(Enumerable.Range(1, P4PacketFields.MaxOptionWords).Select(k => $"parse_ipv4_opt{k}"));
        Assert.Equal(expected.OrderBy(s => s, StringComparer.Ordinal), states.OrderBy(s => s, StringComparer.Ordinal));
        Assert.DoesNotContain("features_t", Code);
        Assert.DoesNotContain("0x88B5", Code);

        static Dictionary<string, string> Cases(string select) =>
            Regex.Matches(select, @"(\w+)\s*:\s*(\w+)\s*;").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var ihl = Cases(P4Text.Block(State(parser, "parse_ipv4"), "transition select(h.ipv4.ihl) {"));
        Assert.Equal("parse_ipv4_l4", ihl["5"]);
        Assert.Equal("accept", ihl["default"]);
        for (int k = 1; k <= P4PacketFields.MaxOptionWords; k++)
        {
            Assert.Equal($"parse_ipv4_opt{k}", ihl[(5 + k).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            var option = Statements(State(parser, $"parse_ipv4_opt{k}"));
            Assert.Equal(new[] { $"pkt.extract(h.ipv4_opt{k})", $"transition {(k == 1 ? "parse_ipv4_l4" : $"parse_ipv4_opt{k - 1}")}" }, option);
        }
        Assert.Equal(12, ihl.Count);   // IHL 5..15 and the default: IHL below 5 has no layer 4
        var fragment = Cases(P4Text.Block(State(parser, "parse_ipv4_l4"), "transition select(h.ipv4.frag_offset) {"));
        Assert.Equal(new Dictionary<string, string> { ["0"] = "parse_ipv4_protocol", ["default"] = "accept" }, fragment);
        var ether = Cases(P4Text.Block(State(parser, "parse_ethernet"), "transition select(h.eth.ether_type) {"));
        Assert.Equal(new[] { "ETHERTYPE_IPV4", "ETHERTYPE_IPV6", "ETHERTYPE_VLAN", "default" }, ether.Keys.Order(StringComparer.Ordinal));

        // The deparser re-emits every header in wire order, so the packet leaves unchanged.
        string deparser = P4Text.Block(Code, "control IgDeparser(");
        var emits = Regex.Matches(deparser, @"pkt\.emit\(h\.(\w+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(P4PacketFields.HeaderInstances(SampleModel.Value), emits);
    }

    [Fact]
    public void Tna_ingress_reads_no_header_field_without_its_validity_and_keeps_the_parser_error()
    {
        string ingress = P4Text.Block(Code, "control Ig(");
        string apply = P4Text.Block(ingress.Substring(ingress.LastIndexOf("apply {", StringComparison.Ordinal)), "apply {");
        Assert.DoesNotContain("h.feat", apply);
        int reads = 0;
        foreach (var line in apply.Split('\n'))
        {
            foreach (var branch in Regex.Split(line, @"\belse\b"))
            {
                foreach (Match m in Regex.Matches(branch, @"\bh\.(\w+)\.(\w+)"))
                {
                    if (m.Groups[2].Value == "isValid") continue;
                    Assert.Contains($"if (h.{m.Groups[1].Value}.isValid())", branch);
                    reads++;
                }
            }
        }
        Assert.True(reads >= SampleModel.Value.Features.Count + 1);   // eth.type has two sources
        Assert.Contains("m.parser_error = prsr_md.parser_err;", apply);
        // tables and actions see metadata only
        foreach (Match key in Regex.Matches(ingress, @"key = \{([^}]*)\}")) Assert.DoesNotContain("h.", key.Groups[1].Value);
        foreach (Match action in Regex.Matches(ingress, @"action \w+\([^)]*\) \{([^}]*)\}")) Assert.DoesNotContain("h.", action.Groups[1].Value);
        // every feature is read exactly once, before the first table
        var program = TnaLowering.Lower(SampleModel.Value).Program!;
        var readSteps = program.Steps.OfType<TnaReadField>().ToList();
        Assert.Equal(SampleModel.Value.Features.Select(P4FeatureTransport.FieldRef), readSteps.Select(r => r.Dst));
        Assert.True(program.Steps.ToList().FindIndex(s => s is TnaApply) > program.Steps.ToList().FindLastIndex(s => s is TnaReadField));
    }

    private static PlatformSpec Tofino => new()
    {
        Target = "tofino",
        TargetLocation = new Homunculus.Compiler.Diagnostics.SourceLocation("spec.hspec"),
        Resources = new Dictionary<string, double>(),
    };

    [Fact]
    public void Phv_counts_the_parsed_headers_and_the_reads_take_the_first_stage()
    {
        var model = SampleModel.Value;
        var (lowering, allocation) = new TofinoCostModel().Analyze(model, Tofino);
        var program = lowering.Program!;
        int headers = TnaPacketParser.HeaderPhvBits(model);
        // Ethernet, VLAN, IPv4, ten option words, IPv6, TCP, UDP, ICMP
        Assert.Equal(112 + 32 + 160 + 10 * 32 + 320 + 160 + 64 + 32, headers);
        Assert.Equal(headers + program.Metadata.Sum(f => TofinoResources.Container(f.Bits)), allocation!.PhvBits);
        // the sizes are those of the emitted declarations
        string code = Code;
        foreach (Match member in Regex.Matches(P4Text.Block(code, "struct headers_t {"), @"(\w+)\s+(\w+)\s*;"))
            Assert.Equal(TnaPacketParser.HeaderBits(member.Groups[2].Value), P4Text.Fields(code, $"header {member.Groups[1].Value} {{").Values.Sum(f => f.Width));
        foreach (var read in program.Steps.OfType<TnaReadField>()) Assert.Equal(0, allocation.StageOf(read.Unit));
        foreach (var table in program.Tables.Where(t => t.Keys.Any(k => k.Field.StartsWith("m.f_", StringComparison.Ordinal))))
            Assert.True(allocation.StageOf(table.Name) >= 1, $"{table.Name} matches on a field read in stage 0");
        var figures = new TofinoCostModel().Estimate(model, Tofino);
        Assert.All(figures, f => Assert.True(f.Fits, $"{f.Name}: {f.Value} > {f.Budget}"));
        Assert.Contains(figures, f => f.Name == "PHV" && f.Value == allocation.PhvBits);
        // 16-bit fields are ternary keys (ranges as prefixes), never range keys wider than a stage can match
        Assert.Contains(program.Tables, t => t.Keys.Any(k => k.Bits == 16 && k.Match == TnaMatch.Ternary));
        Assert.DoesNotContain(": range", code);
    }

    [Fact]
    public void Packet_length_has_no_tofino_program_and_the_reason_names_it()
    {
        var model = TnaTestModels.PacketFields();
        var features = model.Features.ToArray();
        features[1] = features[1] with { Name = "length", Field = "packet.length", Bits = 16, Max = 65535 };
        var withLength = model with { Features = features.ToEquatableArray() };
        Assert.False(new TnaEmitter().Supports(withLength));
        string reason = TnaLowering.CannotLower(withLength)!;
        Assert.Contains("packet.length", reason);
        Assert.Contains("eg_intr_md.pkt_length", reason);
        var cost = new TofinoCostModel();
        Assert.Equal(TnaPacketParser.PacketLengthReason, cost.CannotReadField("packet.length"));
        Assert.All(PacketFields.Names.Where(n => n != "packet.length"), n => Assert.Null(cost.CannotReadField(n)));
        Assert.All(PacketFields.Names, n => Assert.Null(new TaurusCostModel().CannotReadField(n)));
        Assert.All(PacketFields.Names, n => Assert.Null(new Bmv2CostModel().CannotReadField(n)));
        Assert.NotNull(cost.CannotReadField("no.such.field"));
        Assert.NotNull(new TaurusCostModel().CannotReadField("no.such.field"));
    }

    [Fact]
    public void A_pcap_program_for_taurus_compiles_and_says_where_the_values_come_from()
    {
        var model = PacketFieldTests.Compile(SampleSpec("taurus", "\"eth.type\", \"ipv4.ttl\", \"tcp.dstPort\", \"udp.dstPort\""));
        Assert.True(model.ReadsPacketFields);
        Assert.Equal("taurus", model.Platform.Target);
        Assert.Contains(model.Platform.Resources, f => f.Name == "latency" && f.Value > 0);
        Assert.Contains(model.Platform.Resources, f => f.Name == "compute units" && f.Value > 0);
        var emitter = new SpatialEmitter();
        Assert.True(emitter.Supports(model));
        string program = emitter.Emit(model).Single(f => f.RelativePath.EndsWith(".scala", StringComparison.Ordinal)).Content;
        Assert.Contains("PISA parser", program);
        Assert.Contains("preMATs", program);
        Assert.Contains("docs/packet-features.md", program);
        Assert.DoesNotContain("docs/feature-header.md", program);
        Assert.Equal(model.Features.Count, Regex.Matches(program, @"= ArgIn\[").Count);
        foreach (var f in model.Features) Assert.Contains($"packet field {f.Field}", program);
    }
}
