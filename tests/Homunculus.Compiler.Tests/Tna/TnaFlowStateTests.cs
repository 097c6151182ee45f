using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Homunculus.Compiler.CostModels;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>
/// Flow state on Tofino (docs/flow-features.md, docs/tofino.md): the emitted TNA parser executed on every packet of the
/// sample's test captures and on crafted IPv4/IPv6 streams, its flow steps (hashes, registers, gateway chains) and
/// tables run from the entries JSON, against the reference pipeline and interpreter - in capture order, shuffled and
/// with a 16-slot table that collides; the program's structure (registers, one RegisterAction each, gateways against
/// constants); the stage allocation; what is refused and why.
/// </summary>
public sealed class TnaFlowStateTests
{
    private static readonly Dictionary<string, int> Intrinsic = new(StringComparer.Ordinal) { ["ig_md"] = 64, ["PORT_METADATA_SIZE"] = 64 };

    private const string FlowFeatures = "\"flow.packets\", \"flow.synCount\", \"flow.ackCount\", \"flow.finCount\", \"flow.pshCount\", \"flow.rstCount\"";

    internal static string SpecText(string flow, string target = "tofino", string flowFeatures = FlowFeatures) => $$"""
        {
          "name": "Tofino Flows",
          "data": {
            "format": "pcap",
            "train": "{{FlowFeatureTests.Data}}/train/*/*.pcap",
            "test": "{{FlowFeatureTests.Data}}/test/*/*.pcap",
            "labelFromFolder": true,
            "filter": { "ethSrcFile": "_iotdevice-mac.txt" }
          },
          "features": ["ipv4.protocol", "tcp.dstPort", "udp.dstPort", {{flowFeatures}}],
          "flow": {{flow}},
          "objective": "macro-f1",
          "algorithms": ["tree"],
          "model": { "tree": { "depth": 8, "maxLeaves": 48, "minLeaf": 2 } },
          "platform": { "target": "{{target}}" },
          "seed": 3
        }
        """;

    private static readonly Lazy<ModelFile> Bidirectional = new(() => FlowFeatureTests.Compile(SpecText("""{ "bidirectional": true, "timeoutSeconds": 0, "classifyAt": 2 }""")));

    private static readonly Lazy<ModelFile> Colliding = new(() => FlowFeatureTests.Compile(SpecText("""{ "tableSize": 16, "timeoutSeconds": 0 }""")));

    private static (string P4, string Json) Emit(ModelFile model)
    {
        var files = new TnaEmitter().Emit(model);
        return (files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content,
                files.Single(f => f.RelativePath.EndsWith("_entries.json", StringComparison.Ordinal)).Content);
    }

    private sealed record Counts(int Packets, int Decided, int Fresh, int NoFlow, int Classes);

    /// <summary>
    /// Runs the emitted parser, then the program from its entries JSON, on every frame of every stream (a freshly
    /// loaded switch per stream), comparing every feature, the decision and the class with the reference.
    /// </summary>
    private static Counts AssertTnaMatchesReference(ModelFile model, IEnumerable<(string Name, IReadOnlyList<(byte[] Frame, long Time)> Frames)> streams, bool shuffle)
    {
        var (p4, json) = Emit(model);
        var parser = new P4ParserEvaluator(p4, "IgParser", Intrinsic);
        var simulator = new TnaSimulator(json);
        Assert.Equal("m.result", simulator.ResultField);
        var random = new Random(23);
        int packets = 0, decided = 0, fresh = 0, noFlow = 0;
        var classes = new HashSet<long>();
        int packetsFeature = model.Features.Select(f => f.Field).ToList().IndexOf("flow.packets");
        var prefix = new byte[Intrinsic.Values.Sum() / 8];
        foreach (var (name, frames) in streams)
        {
            simulator.ResetRegisters();
            var reference = PacketFeaturePipeline.For(model);
            var order = shuffle ? frames.OrderBy(_ => random.Next()).ToList() : frames.ToList();
            foreach (var (frame, time) in order)
            {
                var expected = new long[model.Features.Count];
                bool decide = reference.Observe(frame, time, expected);
                var (values, valid) = parser.Run(prefix.Concat(frame).ToArray());
                var state = simulator.Run(values, valid, parser.Wide);
                for (int i = 0; i < model.Features.Count; i++)
                {
                    ulong actual = state[P4FeatureTransport.FieldRef(model.Features[i])];
                    Assert.True((ulong)expected[i] == actual, $"{name} packet {packets}: {model.Features[i].Field}: TNA {actual}, reference {expected[i]}");
                }
                if (model.Flow!.ClassifyAt > 1) Assert.True((decide ? 1UL : 0UL) == state[P4FlowState.Decide], $"{name} packet {packets}: m.decide {state[P4FlowState.Decide]}, reference {decide}");
                long cls = decide ? ReferenceInterpreter.Predict(model, expected.Select((v, i) => FeatureEncoder.EncodeNumber(model.Features[i], v)).ToArray()) : P4FlowState.NoDecision;
                Assert.True((ulong)cls == state["m.result"], $"{name} packet {packets}: TNA class {state["m.result"]}, reference {cls}");
                // One stateful ALU per register per packet; a packet in no flow touches none.
                Assert.All(simulator.LastExecutions.Values, n => Assert.Equal(1, n));
                if (simulator.LastExecutions.Count == 0) noFlow++;
                packets++;
                if (decide) decided++;
                if (packetsFeature >= 0 && expected[packetsFeature] == 1) fresh++;
                classes.Add(cls);
            }
        }
        Assert.Equal(0, simulator.Overlaps);
        return new Counts(packets, decided, fresh, noFlow, classes.Count);
    }

    /// <param name="truncate">Cut every seventh frame short at a random length, so headers go missing mid-flow.</param>
    private static IEnumerable<(string Name, IReadOnlyList<(byte[] Frame, long Time)> Frames)> SampleCaptures(bool truncate = false)
    {
        var random = new Random(5);
        int n = 0;
        foreach (var (path, frames, bytes) in FlowFeatureTests.Captures("test"))
        {
            var list = new List<(byte[], long)>();
            foreach (var f in frames)
            {
                var frame = bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
                if (truncate && n++ % 7 == 3) frame = frame.AsSpan(0, random.Next(0, frame.Length + 1)).ToArray();
                list.Add((frame, f.TimestampMicroseconds));
            }
            yield return (Path.GetFileName(path), list);
        }
    }

    [Fact]
    public void Tna_program_keeps_the_reference_flow_state_on_every_capture_packet()
    {
        var model = Bidirectional.Value;
        Assert.True(new TnaEmitter().Supports(model));
        Assert.Equal("tofino", model.Platform.Target);
        var counts = AssertTnaMatchesReference(model, SampleCaptures(), shuffle: false);
        Assert.True(counts.Packets > 1000 && counts.Decided < counts.Packets && counts.Fresh > 10 && counts.NoFlow > 0 && counts.Classes > 2,
            $"{counts.Packets} packets, {counts.Decided} decided, {counts.Fresh} flows, {counts.NoFlow} in no flow, {counts.Classes} classes");
    }

    [Fact]
    public void Tna_program_matches_the_reference_when_flows_collide_and_packets_come_out_of_order()
    {
        var model = Colliding.Value;
        Assert.Equal(16, model.Flow!.TableSize);
        Assert.False(model.Flow.Bidirectional);
        var counts = AssertTnaMatchesReference(model, SampleCaptures(truncate: true), shuffle: true);
        Assert.True(counts.Fresh > counts.Packets / 20, $"{counts.Fresh} flow starts in {counts.Packets} packets: the small table should collide often");
        // The bidirectional program shuffled, and with a colliding table, too.
        var small = Bidirectional.Value with { Flow = Bidirectional.Value.Flow! with { TableSize = 16 } };
        AssertTnaMatchesReference(small, SampleCaptures(), shuffle: true);
    }

    // ---- crafted streams: IPv6, endpoint order decided by each address word, ports, flags ----

    private static byte[] Packet(byte[] source, byte[] destination, int sourcePort, int destinationPort, int protocol = 6, int flags = 0)
    {
        bool v6 = source.Length == 16;
        var l4 = new byte[protocol == 6 ? 20 : 8];
        l4[0] = (byte)(sourcePort >> 8); l4[1] = (byte)sourcePort; l4[2] = (byte)(destinationPort >> 8); l4[3] = (byte)destinationPort;
        if (protocol == 6) { l4[12] = 0x50; l4[13] = (byte)flags; }
        if (!v6)
        {
            var ip = PacketFieldTests.Ipv4(5, protocol, 0);
            source.CopyTo(ip, 12);
            destination.CopyTo(ip, 16);
            return PacketFieldTests.Frame(0x0800, ip.Concat(protocol is 6 or 17 ? l4 : new byte[] { 8, 0, 0, 0 }).ToArray());
        }
        var header = new byte[40];
        header[0] = 0x60; header[6] = (byte)protocol; header[7] = 64;
        source.CopyTo(header, 8);
        destination.CopyTo(header, 24);
        return PacketFieldTests.Frame(0x86DD, header.Concat(protocol is 6 or 17 ? l4 : new byte[] { 128, 0, 0, 0 }).ToArray());
    }

    private static byte[] V6(params uint[] words) => words.SelectMany(w => new[] { (byte)(w >> 24), (byte)(w >> 16), (byte)(w >> 8), (byte)w }).ToArray();

    /// <summary>Conversations in both directions whose endpoint order each address word, then the ports, decides; TCP flags; IPv4, ICMP, non-IP and truncated frames between them.</summary>
    internal static IReadOnlyList<(byte[] Frame, long Time)> CraftedStream()
    {
        var frames = new List<byte[]>();
        var baseWords = new uint[] { 0x20010DB8, 0x00000001, 0x00000002, 0x00000003 };
        for (int word = 0; word < 4; word++)
        {
            foreach (uint delta in new uint[] { 1, 0x80000000 })
            {
                var a = (uint[])baseWords.Clone();
                var b = (uint[])baseWords.Clone();
                b[word] += delta;   // b is larger in this word only (0x80000000: above the signed range)
                frames.Add(Packet(V6(a), V6(b), 443, 50000, flags: 0x02));
                frames.Add(Packet(V6(b), V6(a), 50000, 443, flags: 0x12));
                frames.Add(Packet(V6(a), V6(b), 443, 50000, flags: 0x10));
                frames.Add(Packet(V6(b), V6(a), 50000, 443, flags: 0x19));
            }
        }
        // Equal addresses: the ports decide; UDP and ICMPv6 (ports 0).
        frames.Add(Packet(V6(baseWords), V6(baseWords), 9, 7, protocol: 17));
        frames.Add(Packet(V6(baseWords), V6(baseWords), 7, 9, protocol: 17));
        frames.Add(Packet(V6(baseWords), V6(1, 2, 3, 4), 0, 0, protocol: 58));
        frames.Add(Packet(V6(1, 2, 3, 4), V6(baseWords), 0, 0, protocol: 58));
        byte[] p = { 10, 0, 0, 1 }, q = { 10, 0, 0, 2 }, r = { 200, 1, 1, 1 };
        foreach (var (x, y) in new[] { (p, q), (q, p), (p, r), (r, p), (p, p) })
            for (int n = 0; n < 3; n++) frames.Add(Packet(x, y, 1000 + n % 2, 1001 - n % 2, flags: 0x3F >> n));
        frames.Add(Packet(p, q, 0, 0, protocol: 1));
        var arp = new byte[60];
        arp[12] = 0x08; arp[13] = 0x06;
        frames.Add(arp);
        frames.Add(Packet(p, q, 1000, 1001).Take(40).ToArray());   // TCP cut off: the key's ports are 0
        frames.Add(Packet(V6(baseWords), V6(1, 2, 3, 4), 5, 6).Take(30).ToArray());   // IPv6 cut off: no flow
        // Everything again: the second round finds the flows' slots taken.
        var all = frames.Concat(frames).ToList();
        return all.Select((f, i) => (f, 1_000L * i)).ToList();
    }

    [Theory]
    [InlineData(true, 65536)]
    [InlineData(true, 16)]
    [InlineData(false, 65536)]
    [InlineData(true, 1)]
    public void Ipv6_and_ipv4_endpoints_are_ordered_word_by_word_as_the_reference_orders_them(bool bidirectional, int tableSize)
    {
        var model = Bidirectional.Value with { Flow = Bidirectional.Value.Flow! with { Bidirectional = bidirectional, TableSize = tableSize } };
        var counts = AssertTnaMatchesReference(model, new[] { ("crafted", CraftedStream()) }, shuffle: false);
        Assert.True(counts.NoFlow >= 4 && counts.Decided > 0, $"{counts.NoFlow} in no flow, {counts.Decided} decided");
        // Both directions of a conversation are one flow (bidirectional) or two: the reference says which, and the
        // stream holds both, so the comparison above covers the word-by-word order.
        var reference = PacketFeaturePipeline.For(model);
        var values = new long[model.Features.Count];
        var stream = CraftedStream();
        reference.Observe(stream[0].Frame, 0, values);
        reference.Observe(stream[1].Frame, 1, values);
        Assert.Equal(bidirectional ? 2 : 1, reference.LastFlowPackets);
    }

    /// <summary>The ports that give an IPv4 key of <paramref name="source"/>, <paramref name="destination"/> and UDP the CRC-32 <paramref name="crc"/> (the key's last four bytes are the ports, and CRC-32 steps can be run backwards).</summary>
    private static (int SourcePort, int DestinationPort) PortsFor(byte[] source, byte[] destination, uint crc)
    {
        uint state = 0xFFFFFFFF;
        foreach (byte b in source.Concat(destination).Append((byte)17))
        {
            state ^= b;
            for (int i = 0; i < 8; i++) state = (state & 1) != 0 ? (state >> 1) ^ 0xEDB88320u : state >> 1;
        }
        uint target = ~crc;
        for (int i = 0; i < 32; i++) target = (target & 0x80000000) != 0 ? ((target ^ 0xEDB88320u) << 1) | 1 : target << 1;
        uint ports = target ^ state;   // the four bytes, first byte lowest
        return ((int)(((ports & 0xFF) << 8) | ((ports >> 8) & 0xFF)), (int)((((ports >> 16) & 0xFF) << 8) | (ports >> 24)));
    }

    [Fact]
    public void Crcs_0xFFFFFFFF_and_0_share_fingerprint_0_as_the_reference_says()
    {
        byte[] a = { 10, 1, 2, 3 }, b = { 10, 9, 8, 7 };
        var (sp1, dp1) = PortsFor(a, b, 0xFFFFFFFF);
        var (sp2, dp2) = PortsFor(b, a, 0);
        var first = Packet(a, b, sp1, dp1, protocol: 17);
        var second = Packet(b, a, sp2, dp2, protocol: 17);
        var key = FlowKey.Of(PacketFieldExtractor.Parse(first, 0, first.Length), first, 0, bidirectional: false)!;
        Assert.Equal(0xFFFFFFFFu, Crc32.Compute(key));
        key = FlowKey.Of(PacketFieldExtractor.Parse(second, 0, second.Length), second, 0, bidirectional: false)!;
        Assert.Equal(0u, Crc32.Compute(key));
        // One slot: the two flows share it unnoticed (same fingerprint), so the second packet counts 2; a third flow takes it over.
        var model = Bidirectional.Value with { Flow = Bidirectional.Value.Flow! with { Bidirectional = false, TableSize = 1 } };
        var other = Packet(a, b, 1, 2, protocol: 17);
        var stream = new[] { first, second, first, other, second }.Select((f, i) => (f, (long)i)).ToList();
        AssertTnaMatchesReference(model, new[] { ("fingerprint 0", (IReadOnlyList<(byte[], long)>)stream) }, shuffle: false);
        var reference = PacketFeaturePipeline.For(model);
        var values = new long[model.Features.Count];
        var counts = stream.Select(s => { reference.Observe(s.f, s.Item2, values); return reference.LastFlowPackets; }).ToList();
        Assert.Equal(new long[] { 1, 2, 3, 1, 1 }, counts);
    }

    // ---- structure ----

    private static string Code(ModelFile model) => P4Text.StripLineComments(Emit(model).P4);

    private static string Apply(string code)
    {
        string ingress = P4Text.Block(code, "control Ig(");
        return P4Text.Block(ingress.Substring(ingress.LastIndexOf("apply {", StringComparison.Ordinal)), "apply {");
    }

    [Fact]
    public void Every_register_has_one_register_action_executed_once_and_gateways_compare_with_constants()
    {
        var model = Bidirectional.Value;
        string code = Code(model);
        var registers = Regex.Matches(code, @"Register<bit<32>, bit<16>>\(65536, (\w+)\) (\w+);").ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value);
        Assert.Equal(new[] { "flow_fp", "flow_packets", "flow_syn", "flow_rst", "flow_psh", "flow_ack", "flow_fin" }.Order(StringComparer.Ordinal), registers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("0xFFFFFFFF", registers["flow_fp"]);
        Assert.All(registers.Where(r => r.Key != "flow_fp"), r => Assert.Equal("0", r.Value));
        string apply = Apply(code);
        foreach (var register in registers.Keys)
        {
            var actions = Regex.Matches(code, $@"RegisterAction<bit<32>, bit<16>, bit<\d+>>\({register}\) (\w+) = \{{").Select(m => m.Groups[1].Value).ToList();
            Assert.Single(actions);
            Assert.Single(Regex.Matches(apply, $@"\b{actions[0]}\.execute\("));
        }
        // The counts saturate and start afresh on the fingerprint register's verdict, read from metadata.
        Assert.Equal(registers.Count - 1, Regex.Matches(code, @"if \(m\.flow_fresh != 0\) \{ value = [\w.]+; \} else \{ value = value \|\+\| [\w.]+; \}").Count);
        Assert.Contains("if (value == m.flow_fp) { result = 0; } else { result = 1; }", code);
        Assert.Equal(4, Regex.Matches(code, @"Hash<bit<32>>\(HashAlgorithm_t\.CRC32\) \w+;").Count);

        // Every gateway of the apply block tests a header's validity or compares one field with a constant.
        var conditions = Regex.Matches(apply, @"if \(([^{]*)\) \{").Select(m => m.Groups[1].Value).ToList();
        Assert.True(conditions.Count > 20);
        foreach (var condition in conditions)
            foreach (var part in condition.Split("&&").Select(p => p.Trim()))
                Assert.Matches(@"^(h\.\w+\.isValid\(\)|[\w.]+ (==|!=) (0x[0-9A-F]+|\d+))$", part);
        Assert.DoesNotMatch(@"\b(m|h)\.[\w.]+\s*(<|>|<=|>=)\s*(m|h)\.", apply);
        // No header field is read without its header's validity on the same branch.
        foreach (var line in apply.Split('\n'))
            foreach (var branch in Regex.Split(line, @"\belse\b"))
                foreach (Match m in Regex.Matches(branch, @"\bh\.(\w+)\.(\w+)"))
                    if (m.Groups[2].Value != "isValid") Assert.Contains($"if (h.{m.Groups[1].Value}.isValid())", branch);
        // The model is gated: 255 before the classification point.
        Assert.Contains($"if (m.decide == 0) {{ m.result = 8w{P4FlowState.NoDecision}; }}", apply);
    }

    [Fact]
    public void Stage_allocation_counts_stateful_alus_and_register_sram_and_orders_the_registers()
    {
        var model = Bidirectional.Value;
        var platform = new PlatformSpec { Target = "tofino", TargetLocation = new Homunculus.Compiler.Diagnostics.SourceLocation("spec.hspec"), Resources = new Dictionary<string, double>() };
        var (lowering, allocation) = new TofinoCostModel().Analyze(model, platform);
        var program = lowering.Program!;
        var tables = StageAllocator.LogicalTables(program, TofinoResources.Default);
        var registers = program.Steps.OfType<TnaRegisterStep>().ToList();
        Assert.Equal(7, registers.Count);
        foreach (var register in registers)
        {
            var table = tables.Single(t => t.Name == register.Unit);
            Assert.Equal(1, table.StatefulAlus);
            Assert.Equal("stateful", table.Kind);
            Assert.Equal(17, table.Sram);   // 64K x 32 bit, as bf-p4c placed the checked reference's register
        }
        Assert.Equal(17, TofinoResources.Default.RegisterSramBlocks(65536, 32));
        Assert.Equal(2, TofinoResources.Default.RegisterSramBlocks(16, 32));
        Assert.All(allocation!.Stages, s => Assert.True(s.StatefulAlus <= TofinoResources.Default.StatefulAlusPerStage, $"stage {s.Stage}: {s.StatefulAlus} stateful ALUs"));
        Assert.Equal(registers.Count, allocation.Stages.Sum(s => s.StatefulAlus));
        // The fingerprint register decides before every count reads its verdict; the features come from the counts.
        int claim = allocation.StageOf("flow_fp");
        Assert.All(registers.Where(r => r.Unit != "flow_fp"), r => Assert.True(allocation.StageOf(r.Unit) > claim, r.Unit));
        int lastCount = registers.Max(r => allocation.StageOf(r.Unit));
        foreach (var table in program.Tables.Where(t => t.Keys.Any(k => model.Features.Any(f => FlowFields.Find(f.Field) is not null && k.Field == P4FeatureTransport.FieldRef(f)))))
            Assert.True(allocation.StageOf(table.Name) > claim, table.Name);
        Assert.True(allocation.StageOf("flow_gate") > lastCount);
        // The order chain of nine rows takes three gateways.
        Assert.Equal(3, tables.Single(t => t.Name == "flow_direction").Count);
        var figures = new TofinoCostModel().Estimate(model, platform);
        Assert.All(figures, f => Assert.True(f.Fits, $"{f.Name}: {f.Value} > {f.Budget}"));
        Assert.Contains(figures, f => f.Name == $"stage {claim} stateful ALUs" && f.Value >= 1 && f.Budget == 4);
        Assert.Equal(model.Platform.Resources.Single(f => f.Name == TofinoCostModel.StagesFigure).Value, allocation.StagesUsed);
        string json = Emit(model).Json;
        Assert.Contains("\"statefulAlus\": ", json);
        Assert.Contains("stateful ALU(s)", Emit(model).P4);
    }

    // ---- refused ----

    [Fact]
    public void Lengths_timing_timeouts_and_large_tables_have_no_tofino_program_and_say_why()
    {
        var cost = new TofinoCostModel();
        foreach (var name in new[] { "flow.bytes", "flow.minLength", "flow.maxLength", "flow.meanLength" })
        {
            string reason = cost.CannotReadField(name)!;
            Assert.Contains("packet.length", reason);
            Assert.Contains("eg_intr_md.pkt_length", reason);
        }
        foreach (var name in new[] { "flow.minInterArrival", "flow.maxInterArrival", "flow.duration" })
        {
            string reason = cost.CannotReadField(name)!;
            Assert.Contains("nanoseconds", reason);
            Assert.Contains("ingress_mac_tstamp", reason);
        }
        foreach (var name in new[] { "flow.packets", "flow.finCount", "flow.synCount", "flow.rstCount", "flow.pshCount", "flow.ackCount", "flow.urgCount" })
            Assert.Null(cost.CannotReadField(name));
        Assert.All(FlowFields.Names, n => Assert.NotNull(new TaurusCostModel().CannotReadField(n)));
        Assert.Empty(cost.CannotKeepFlows(new FlowSettings { TimeoutMicroseconds = 0, TableSize = 65536, Bidirectional = true, ClassifyAt = 8 }));
        Assert.Equal(new[] { "tableSize", "timeoutSeconds" }, cost.CannotKeepFlows(new FlowSettings { TableSize = 1 << 17 }).Select(p => p.Property));
        Assert.Single(new TaurusCostModel().CannotKeepFlows(new FlowSettings()), p => p.Property == "flow");
        Assert.Empty(new Bmv2CostModel().CannotKeepFlows(new FlowSettings()));

        var model = Bidirectional.Value;
        var timed = model with { Flow = model.Flow! with { TimeoutMicroseconds = 1_000_000 } };
        Assert.False(new TnaEmitter().Supports(timed));
        Assert.Contains("timeoutSeconds", TnaLowering.CannotLower(timed));
        var large = model with { Flow = model.Flow! with { TableSize = 1 << 20 } };
        Assert.Contains("65536", TnaLowering.CannotLower(large));
        var features = model.Features.ToArray();
        int packets = Array.FindIndex(features, f => f.Field == "flow.packets");
        features[packets] = features[packets] with { Name = "duration", Field = "flow.duration" };
        Assert.Contains("nanoseconds", TnaLowering.CannotLower(model with { Features = features.ToEquatableArray() }));
    }
}

/// <summary>The diagnostics of flow programs for tofino, each with its code, file, line and column.</summary>
public sealed class TnaFlowDiagnosticTests
{
    [Theory]
    [InlineData("[\"flow.duration\"]", "{ \"timeoutSeconds\": 0 }", "HMC2008", "\"flow.duration\"", "nanoseconds")]
    [InlineData("[\"flow.bytes\"]", "{ \"timeoutSeconds\": 0 }", "HMC2008", "\"flow.bytes\"", "frame length")]
    [InlineData("[\"flow.packets\"]", "{ \"classifyAt\": 2 }", "HMC0005", "{ \"classifyAt\"", "flow.timeoutSeconds")]
    [InlineData("[\"flow.packets\"]", "{ \"timeoutSeconds\": 7.5 }", "HMC0005", "7.5", "timeoutSeconds\": 0")]
    [InlineData("[\"flow.synCount\"]", "{ \"timeoutSeconds\": 0, \"tableSize\": 131072 }", "HMC0005", "131072", "65536")]
    public void What_a_tofino_flow_table_cannot_do_is_an_error_at_its_property(string features, string flow, string code, string needle, string message)
    {
        using var project = FlowDiagnosticTests.Project(features, flow, "tofino");
        var d = TempProject.Single(project.Compile(cache: false), code);
        Assert.Contains(message, d.Message);
        FlowDiagnosticTests.AssertAt(project, d, needle);
    }

    [Fact]
    public void A_tofino_flow_program_without_timeout_compiles_and_emits_registers()
    {
        using var project = FlowDiagnosticTests.Project("[\"flow.packets\", \"ipv4.ttl\", \"flow.synCount\"]", "{ \"classifyAt\": 2, \"timeoutSeconds\": 0, \"bidirectional\": true }", "tofino");
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        string p4 = result.Files!["tna/toy.p4"];
        Assert.Contains("Register<bit<32>, bit<16>>(65536, 0) flow_packets;", p4);
        Assert.Contains("RegisterAction<bit<32>, bit<16>, bit<8>>(flow_fp) flow_fp_claim = {", p4);
        Assert.Contains("m.decide", p4);
        Assert.Contains(result.Model!.Platform.Resources, f => f.Name.EndsWith("stateful ALUs", StringComparison.Ordinal));
    }
}
