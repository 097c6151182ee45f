using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Packets;

/// <summary>
/// Flow features (docs/flow-features.md): the reference flow table on crafted packets (key, direction,
/// collisions, timeouts, gaps, the moving mean), its CRC against System.IO.Hashing, the loader's rows, and the
/// generated BMv2 program - parser, hashes, registers, update and model, executed packet after packet - against
/// the reference on every packet of the sample captures, in capture order, shuffled and with a colliding table.
/// </summary>
public sealed class FlowFeatureTests
{
    private static byte[] Packet(byte[] source, byte[] destination, int sourcePort, int destinationPort, int protocol = 17, int flags = 0, int length = 60)
    {
        bool v6 = source.Length == 16;
        int ip = 14, l4 = ip + (v6 ? 40 : 20);
        var frame = new byte[Math.Max(length, l4 + 20)];
        frame[12] = v6 ? (byte)0x86 : (byte)0x08; frame[13] = v6 ? (byte)0xDD : (byte)0x00;
        if (v6) { frame[ip] = 0x60; frame[ip + 6] = (byte)protocol; source.CopyTo(frame, ip + 8); destination.CopyTo(frame, ip + 24); }
        else { frame[ip] = 0x45; frame[ip + 9] = (byte)protocol; source.CopyTo(frame, ip + 12); destination.CopyTo(frame, ip + 16); }
        frame[l4] = (byte)(sourcePort >> 8); frame[l4 + 1] = (byte)sourcePort;
        frame[l4 + 2] = (byte)(destinationPort >> 8); frame[l4 + 3] = (byte)destinationPort;
        if (protocol == 6) frame[l4 + 13] = (byte)flags;
        return frame;
    }

    private static readonly byte[] A = { 10, 0, 0, 1 }, B = { 10, 0, 0, 2 }, C = { 192, 168, 1, 9 };

    private static PacketFeaturePipeline Pipeline(FlowSettings flow, params string[] fields) => new(fields, flow);

    private static long[] Observe(PacketFeaturePipeline p, byte[] frame, long ts)
    {
        var values = new long[p.Count];
        p.Observe(frame, ts, values);
        return values;
    }

    [Fact]
    public void Crc32_is_the_standard_crc32_of_System_IO_Hashing()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8.ToArray()));
        var random = new Random(4);
        for (int n = 0; n < 500; n++)
        {
            var data = new byte[random.Next(0, 64)];
            random.NextBytes(data);
            Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(data), Crc32.Compute(data));
        }
    }

    [Fact]
    public void Packets_of_one_flow_accumulate_and_directions_are_separate_unless_bidirectional()
    {
        var directional = Pipeline(new FlowSettings(), "flow.packets", "flow.bytes", "flow.minLength", "flow.maxLength", "flow.meanLength");
        Assert.Equal(new long[] { 1, 60, 60, 60, 60 }, Observe(directional, Packet(A, B, 1000, 53), 0));
        Assert.Equal(new long[] { 2, 160, 60, 100, 65 }, Observe(directional, Packet(A, B, 1000, 53, length: 100), 10));   // 60 + (40 >> 3)
        Assert.Equal(new long[] { 3, 220, 60, 100, 65 }, Observe(directional, Packet(A, B, 1000, 53, length: 60), 20));    // 65 - (5 >> 3)
        Assert.Equal(new long[] { 1, 60, 60, 60, 60 }, Observe(directional, Packet(B, A, 53, 1000), 30));                  // the reply: another flow
        Assert.Equal(new long[] { 1, 60, 60, 60, 60 }, Observe(directional, Packet(A, B, 1001, 53), 40));                  // another source port

        var both = Pipeline(new FlowSettings { Bidirectional = true }, "flow.packets");
        Observe(both, Packet(A, B, 1000, 53), 0);
        Assert.Equal(new long[] { 2 }, Observe(both, Packet(B, A, 53, 1000), 5));
        Assert.Equal(new long[] { 1 }, Observe(both, Packet(B, A, 53, 1000, protocol: 6), 6));                            // TCP, not UDP
        // Same address both ways: the ports decide the order.
        Observe(both, Packet(A, A, 7, 9), 7);
        Assert.Equal(new long[] { 2 }, Observe(both, Packet(A, A, 9, 7), 8));
    }

    [Fact]
    public void Gaps_duration_and_flag_counts_follow_the_packets()
    {
        var p = Pipeline(new FlowSettings { TimeoutMicroseconds = 0 }, "flow.minInterArrival", "flow.maxInterArrival", "flow.duration", "flow.synCount", "flow.ackCount", "flow.finCount");
        Assert.Equal(new long[] { 0, 0, 0, 1, 0, 0 }, Observe(p, Packet(A, B, 1, 2, protocol: 6, flags: 0x02), 1_000));
        Assert.Equal(new long[] { 500, 500, 500, 1, 1, 0 }, Observe(p, Packet(A, B, 1, 2, protocol: 6, flags: 0x10), 1_500));
        Assert.Equal(new long[] { 200, 500, 700, 1, 2, 1 }, Observe(p, Packet(A, B, 1, 2, protocol: 6, flags: 0x11), 1_700));
        // A timestamp before the last one: the gap is taken modulo 2^48, then capped at 2^32-1 (with a timeout, a new flow).
        Assert.Equal(new long[] { 200, uint.MaxValue, 600, 1, 2, 1 }, Observe(p, Packet(A, B, 1, 2, protocol: 6), 1_600));
    }

    [Fact]
    public void A_collision_or_a_timeout_starts_the_slot_afresh_and_non_IP_packets_have_no_flow()
    {
        // One slot: every flow collides; the newer flow wins and the older one starts over when it returns.
        var p = Pipeline(new FlowSettings { TableSize = 1 }, "flow.packets");
        Observe(p, Packet(A, B, 1, 2), 0);
        Assert.Equal(new long[] { 2 }, Observe(p, Packet(A, B, 1, 2), 1));
        Assert.Equal(new long[] { 1 }, Observe(p, Packet(A, C, 1, 2), 2));
        Assert.Equal(new long[] { 1 }, Observe(p, Packet(A, B, 1, 2), 3));

        var timed = Pipeline(new FlowSettings { TimeoutMicroseconds = 1_000 }, "flow.packets", "flow.duration");
        Observe(timed, Packet(A, B, 1, 2), 0);
        Assert.Equal(new long[] { 2, 1_000 }, Observe(timed, Packet(A, B, 1, 2), 1_000));
        Assert.Equal(new long[] { 1, 0 }, Observe(timed, Packet(A, B, 1, 2), 2_001));

        var v6 = Pipeline(new FlowSettings(), "flow.packets");
        var a6 = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var b6 = Enumerable.Range(0, 16).Select(i => (byte)(255 - i)).ToArray();
        Observe(v6, Packet(a6, b6, 5, 6), 0);
        Assert.Equal(new long[] { 2 }, Observe(v6, Packet(a6, b6, 5, 6), 1));

        var gate = new PacketFeaturePipeline(new[] { "flow.packets", "packet.length" }, new FlowSettings { ClassifyAt = 2 });
        var values = new long[2];
        var arp = new byte[60];
        arp[12] = 0x08; arp[13] = 0x06;
        Assert.False(gate.Observe(arp, 0, values));
        Assert.Equal(new long[] { 0, 60 }, values);
        Assert.False(gate.Observe(Packet(A, B, 1, 2), 0, values));
        Assert.True(gate.Observe(Packet(A, B, 1, 2), 1, values));
    }

    private const string AllFlowFeatures = "\"flow.packets\", \"flow.bytes\", \"flow.minLength\", \"flow.maxLength\", \"flow.meanLength\", \"flow.minInterArrival\", \"flow.maxInterArrival\", \"flow.duration\", \"flow.synCount\", \"flow.ackCount\"";

    private static string SpecText(string flow, string flowFeatures = AllFlowFeatures) => $$"""
        {
          "name": "Flow Devices",
          "data": {
            "format": "pcap",
            "train": "{{Data}}/train/*/*.pcap",
            "test": "{{Data}}/test/*/*.pcap",
            "labelFromFolder": true,
            "filter": { "ethSrcFile": "_iotdevice-mac.txt" }
          },
          "features": ["packet.length", "ipv4.protocol", "tcp.dstPort", "udp.dstPort", {{flowFeatures}}],
          "flow": {{flow}},
          "objective": "macro-f1",
          "algorithms": ["tree"],
          "platform": { "target": "bmv2" },
          "seed": 3
        }
        """;

    internal static string Data => Path.Combine(PacketFieldTests.SampleFolder, "data").Replace('\\', '/');

    internal static ModelFile Compile(string specText)
    {
        using var project = new TempProject();
        project.Spec(specText);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Model!;
    }

    internal static IEnumerable<(string Path, List<PcapFrame> Frames, byte[] Bytes)> Captures(string folder) =>
        Directory.GetFiles(Path.Combine(Data, folder), "*.pcap", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(path => { var bytes = File.ReadAllBytes(path); return (path, PcapReader.TryRead(bytes, out _)!.ToList(), bytes); });

    [Fact]
    public void Loader_rows_are_the_decided_filtered_packets_with_flow_state_over_every_packet()
    {
        var model = Compile(SpecText("""{ "classifyAt": 3, "bidirectional": true }"""));
        Assert.Equal(new FlowSettings { ClassifyAt = 3, Bidirectional = true }, model.Flow);
        Assert.Contains("\"classifyAt\": 3", ModelFileJson.Serialize(model));
        Assert.Equal(model, ModelFileJson.Deserialize(ModelFileJson.Serialize(model)));

        // Rebuild the test rows by hand: every frame goes through the flow table, the device's decided ones are rows.
        var spec = Homunculus.Compiler.Spec.HSpecParser.Parse("/x/spec.hspec", SpecText("""{ "classifyAt": 3, "bidirectional": true }"""), new Diagnostics.DiagnosticBag())!;
        var diagnostics = new Diagnostics.DiagnosticBag();
        var data = Homunculus.Compiler.Data.DataLoader.Load(spec, Homunculus.Compiler.Data.DataLoader.ReadFiles(spec, diagnostics)!, diagnostics)!;
        var fields = spec.Features.Select(f => f.Field!).ToList();
        var expected = new List<long[]>();
        int undecided = 0;
        foreach (var (path, frames, bytes) in Captures("test"))
        {
            var mac = PcapReader.ParseMac(File.ReadAllText(Path.Combine(Path.GetDirectoryName(path)!, "_iotdevice-mac.txt")))!;
            var pipeline = new PacketFeaturePipeline(fields, spec.Flow);
            foreach (var f in frames)
            {
                var values = new long[fields.Count];
                bool decided = pipeline.Observe(bytes, f.Offset, f.CapturedLength, f.TimestampMicroseconds, values);
                if (!Homunculus.Compiler.Data.PcapLoader.FromMac(bytes, f, mac)) continue;
                if (decided) expected.Add(values); else undecided++;
            }
        }
        Assert.True(undecided > 0);
        Assert.Equal(expected.Count, data.Test.Rows);
        for (int r = 0; r < expected.Count; r++) Assert.Equal(expected[r], data.Test.Row(r));
        Assert.Contains(data.Notes, n => n.Contains("where the model decides", StringComparison.Ordinal));
    }

    /// <summary>
    /// Runs the emitted parser and ingress on every frame of every sample capture, training and test (a fresh switch per capture),
    /// comparing every feature, the decision and the class with the reference pipeline and interpreter.
    /// </summary>
    /// <param name="truncate">Cut every seventh frame short at a random length, so headers go missing mid-flow.</param>
    private static (int Packets, int Decided, int Fresh) AssertP4MatchesReference(ModelFile model, bool shuffle, bool truncate = false)
    {
        string program = new Bmv2Emitter().Emit(model).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        var random = new Random(17);
        int packets = 0, decided = 0, fresh = 0;
        int packetsFeature = model.Features.Select(f => f.Field).ToList().IndexOf("flow.packets");
        foreach (var (path, frames, bytes) in Captures(""))
        {
            ingress.ResetRegisters();
            var reference = PacketFeaturePipeline.For(model);
            var order = shuffle ? frames.OrderBy(_ => random.Next()).ToList() : frames;
            foreach (var f in order)
            {
                var frame = bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
                if (truncate && packets % 7 == 3) frame = frame.AsSpan(0, random.Next(0, frame.Length + 1)).ToArray();
                var expected = new long[model.Features.Count];
                bool decide = reference.Observe(frame, f.TimestampMicroseconds, expected);
                var (values, valid) = parser.Run(frame);
                var env = ingress.Run(values, parser.Wide, valid, frame.Length, f.TimestampMicroseconds);
                for (int i = 0; i < model.Features.Count; i++)
                {
                    long actual = env[P4FeatureTransport.FieldRef(model.Features[i])];
                    Assert.True(expected[i] == actual, $"{Path.GetFileName(path)} packet {packets}: {model.Features[i].Field}: P4 {actual}, reference {expected[i]}");
                }
                Assert.Equal(decide ? 1 : 0, env[P4FlowState.Decide]);
                long cls = decide ? ReferenceInterpreter.Predict(model, expected.Select((v, i) => FeatureEncoder.EncodeNumber(model.Features[i], v)).ToArray()) : P4FlowState.NoDecision;
                Assert.Equal(cls, env[P4PacketFields.ResultRef]);
                packets++;
                if (decide) decided++;
                if (packetsFeature >= 0 && expected[packetsFeature] == 1) fresh++;
            }
        }
        return (packets, decided, fresh);
    }

    [Fact]
    public void P4_program_keeps_the_reference_flow_state_on_every_capture_packet()
    {
        var model = Compile(SpecText("""{ "classifyAt": 2, "bidirectional": true }"""));
        var (packets, decided, fresh) = AssertP4MatchesReference(model, shuffle: false);
        Assert.True(packets > 1000 && decided < packets && fresh > 10, $"{packets} packets, {decided} decided, {fresh} flows");
    }

    [Fact]
    public void P4_program_matches_the_reference_when_flows_collide_and_packets_come_out_of_order()
    {
        var model = Compile(SpecText("""{ "tableSize": 16, "timeoutSeconds": 0.5 }"""));
        Assert.Equal(16, model.Flow!.TableSize);
        var (packets, _, fresh) = AssertP4MatchesReference(model, shuffle: true, truncate: true);
        Assert.True(fresh > packets / 20, $"{fresh} flow starts in {packets} packets: the small table should collide often");
    }

    [Fact]
    public void P4_program_declares_only_the_registers_its_features_need()
    {
        var model = Compile(SpecText("{}", "\"flow.synCount\""));
        string program = P4Text.StripLineComments(new Bmv2Emitter().Emit(model)[0].Content);
        var registers = System.Text.RegularExpressions.Regex.Matches(program, @"register<bit<\d+>>\(65536\) (\w+);").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(new[] { "flow_fp", "flow_packets", "flow_last", "flow_syn" }, registers);
        Assert.Contains("m.decide = 1;", program);
        Assert.Contains("hash(m.flow_idx, HashAlgorithm.crc32, (bit<32>)0, { m.flow_a4, m.flow_b4, h.ipv4.protocol, m.flow_pa, m.flow_pb }, (bit<32>)65536);", program);
    }
}

/// <summary>The diagnostics of flow programs, each with its code, file, line and column.</summary>
public sealed class FlowDiagnosticTests
{
    internal static TempProject Project(string features, string flow, string target = "bmv2", bool csv = false)
    {
        var project = new TempProject();
        if (csv) project.File("data.csv", "a,label\n1,x\n2,y\n3,x\n4,y\n");
        else
        {
            for (int file = 0; file < 2; file++)
            {
                foreach (var label in new[] { "a", "b" })
                {
                    var frame = new byte[60];
                    frame[12] = 0x08; frame[14] = 0x45; frame[23] = 17; frame[26] = 10; frame[30] = (byte)(label == "a" ? 1 : 2);
                    var records = Enumerable.Range(0, 12).Select(i => new Homunculus.Compiler.Emitters.Vectors.Pcap.Record((uint)i, 0, frame)).ToList();
                    string path = Path.Combine(project.Root, "captures", label, $"s{file}.pcap");
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllBytes(path, Homunculus.Compiler.Emitters.Vectors.Pcap.Write(records));
                }
            }
        }
        string data = csv ? "\"train\": \"data.csv\", \"label\": \"label\"" : "\"format\": \"pcap\", \"train\": \"captures/*/*.pcap\", \"labelFromFolder\": true";
        project.Spec($$"""
            {
              "name": "Toy",
              "data": { {{data}} },
              "features": {{features}},
              "flow": {{flow}},
              "algorithms": ["tree"],
              "platform": { "target": "{{target}}" }
            }
            """);
        return project;
    }

    internal static void AssertAt(TempProject project, Homunculus.Compiler.Diagnostics.Diagnostic d, string needle)
    {
        var (line, column) = project.Find("spec.hspec", needle);
        Assert.Equal((line, column), (d.Location!.Line, d.Location.Column));
    }

    [Fact]
    public void A_flow_program_compiles_for_bmv2_and_a_table_size_that_is_not_a_power_of_two_is_HMC0005()
    {
        using (var ok = Project("[\"flow.packets\", \"ipv4.ttl\"]", "{ \"classifyAt\": 2 }"))
        {
            var result = ok.Compile(cache: false);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            Assert.Contains("register<bit<32>>(65536) flow_packets;", result.Files!["bmv2/toy.p4"]);
        }
        using var project = Project("[\"flow.packets\"]", "{ \"tableSize\": 1000 }");
        var d = TempProject.Single(project.Compile(cache: false), "HMC0005");
        Assert.Contains("power of two", d.Message);
        Assert.Contains("512", d.Message);
        AssertAt(project, d, "1000");
    }

    [Fact]
    public void An_unknown_flow_field_is_HMC0007_listing_the_flow_fields()
    {
        using var project = Project("[\"flow.pakets\"]", "{}");
        var d = TempProject.Single(project.Compile(cache: false), "HMC0007");
        Assert.Contains("flow.packets", d.Message);
        AssertAt(project, d, "\"flow.pakets\"");
    }

    [Fact]
    public void Flow_state_with_CSV_data_is_HMC0005()
    {
        using var project = Project("[\"a\"]", "{ \"classifyAt\": 2 }", csv: true);
        var d = TempProject.Single(project.Compile(cache: false), "HMC0005");
        Assert.Contains("packet data", d.Message);
        AssertAt(project, d, "{ \"classifyAt\"");
    }

    [Theory]
    [InlineData("tofino", "[\"flow.maxInterArrival\"]", "HMC2008", "\"flow.maxInterArrival\"")]
    [InlineData("taurus", "[\"flow.bytes\"]", "HMC2008", "\"flow.bytes\"")]
    [InlineData("taurus", "[\"ipv4.ttl\"]", "HMC0005", "\"taurus\"")]
    public void Flow_state_a_target_cannot_keep_is_an_error(string target, string features, string code, string needle)
    {
        using var project = Project(features, "{ \"classifyAt\": 2 }", target);
        var d = TempProject.Single(project.Compile(cache: false), code);
        AssertAt(project, d, needle);
    }
}

/// <summary>The classification point as a dimension of the design-space search (docs/flow-features.md).</summary>
public sealed class ClassifyAtSearchTests
{
    private static string Spec(string classifyAt, string search) => $$"""
        {
          "name": "Flow Search",
          "data": {
            "format": "pcap",
            "train": "{{Path.Combine(PacketFieldTests.SampleFolder, "data").Replace('\\', '/')}}/train/*/*.pcap",
            "test": "{{Path.Combine(PacketFieldTests.SampleFolder, "data").Replace('\\', '/')}}/test/*/*.pcap",
            "labelFromFolder": true,
            "filter": { "ethSrcFile": "_iotdevice-mac.txt" }
          },
          "features": ["packet.length", "ipv4.protocol", "tcp.dstPort", "udp.dstPort", "flow.packets", "flow.meanLength", "flow.maxLength"],
          "flow": { "bidirectional": true, "classifyAt": {{classifyAt}} },
          "objective": "macro-f1",
          "algorithms": ["tree"]{{search}},
          "platform": { "target": "bmv2" },
          "seed": 5
        }
        """;

    [Fact]
    public void The_search_tries_several_classification_points_and_the_model_file_records_the_chosen_one()
    {
        using var project = new TempProject();
        project.Spec(Spec("[3, 1, 2]", ", \"search\": { \"trials\": 12, \"parallel\": 2 }"));
        var result = project.Compile(cache: true);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var points = result.Trials.Select(t => t.Outcome.Config.ClassifyAt ?? 1).Distinct().ToList();
        Assert.True(points.Count >= 2, $"classification points tried: {string.Join(", ", points)}");
        var chosen = result.Trials.First(t => ModelFileJson.Serialize(t.Outcome.Candidate.Model) == ModelFileJson.Serialize(result.Model!)).Outcome.Config;
        Assert.Equal(chosen.ClassifyAt ?? 1, result.Model!.Flow!.ClassifyAt);
        // Trials at different points measure different rows: the later the point, the fewer decided test packets.
        var byPoint = result.Trials.GroupBy(t => t.Outcome.Config.ClassifyAt ?? 1).ToDictionary(g => g.Key, g => g.First().Outcome.Candidate.FixedTest.Rows);
        var ordered = byPoint.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        Assert.True(ordered.Zip(ordered.Skip(1)).All(p => p.First > p.Second), string.Join(", ", byPoint.Select(kv => $"{kv.Key}: {kv.Value}")));
        // The lock file names the chosen point when it is not the smallest, and a rebuild trains only it.
        string lockText = File.ReadAllText(project.SpecPath + ".lock");
        if (chosen.ClassifyAt is int n) Assert.Contains($"\"classifyAt\": {n}", lockText);
        var again = project.Compile(cache: false);
        Assert.True(again.Success);
        Assert.Equal(ModelFileJson.Serialize(result.Model), ModelFileJson.Serialize(again.Model!));
    }

    [Fact]
    public void Several_points_without_a_search_is_HMC0005()
    {
        using var project = new TempProject();
        project.Spec(Spec("[1, 4]", ""));
        var d = TempProject.Single(project.Compile(cache: false), "HMC0005");
        Assert.Contains("search", d.Message);
        Assert.Equal(project.Find("spec.hspec", "[1, 4]"), (d.Location!.Line, d.Location.Column));
    }
}
