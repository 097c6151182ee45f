using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Compiler.Tests.Tna;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Packets;

/// <summary>
/// The ingress port as a feature (docs/packet-features.md, "The ingress port"): the reference takes it as an
/// argument; the .hspec declares it per capture and the loader's rows carry it; the BMv2 program (executed)
/// reads standard_metadata.ingress_port and the Tofino program (simulated from its entries JSON) ig_md.ingress_port,
/// each giving the reference's feature value and class on every held-out sample packet and on several ports;
/// a program that reads the port without declared ports is HMC0002 at the right line and column; the test
/// vectors expect the harness port.
/// </summary>
public sealed class IngressPortTests
{
    private static PacketField Port => PacketFields.Find("ingress.port")!;

    /// <summary>The sample's device folders, in ordinal order.</summary>
    private static IReadOnlyList<string> Devices { get; } =
        Directory.GetDirectories(Path.Combine(PacketFieldTests.SampleFolder, "data", "train")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();

    /// <summary>Devices share ports (1, 5, 9), so the model needs the port and the header fields.</summary>
    private static int PortOf(string device) => Devices.ToList().IndexOf(device) % 3 * 4 + 1;

    private const int DefaultPortDevice = 9;

    /// <summary>
    /// The sample spec on <paramref name="features"/> with one entry per device folder: devices on ports 1 and 5
    /// declare them in their entries, those on port 9 take data.ingressPort.
    /// </summary>
    internal static string PortSpec(string target, string features)
    {
        string text = TnaPacketFieldTests.SampleSpec(target, features);
        string Entries(string split) => string.Join(", ", Devices.Select(d => PortOf(d) == DefaultPortDevice
            ? $"{{ \"files\": \"data/{split}/{d}/*.pcap\" }}"
            : $"{{ \"files\": \"data/{split}/{d}/*.pcap\", \"ingressPort\": {PortOf(d)} }}"));
        text = Replace(text, "\"train\": \"data/train/*/*.pcap\",", $"\"train\": [{Entries("train")}],");
        text = Replace(text, "\"test\": \"data/test/*/*.pcap\",", $"\"test\": [{Entries("test")}], \"ingressPort\": {DefaultPortDevice},");
        return text;
    }

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private const string Features = "\"ingress.port\", \"eth.type\", \"ipv4.ttl\", \"ipv4.protocol\", \"tcp.dstPort\", \"udp.dstPort\", \"udp.length\"";

    // ---- the reference ----

    [Fact]
    public void The_catalogue_has_a_9_bit_ingress_port_that_no_frame_carries()
    {
        Assert.Equal((PacketLayer.IngressPort, 9, 511L), (Port.Layer, Port.Bits, Port.Mask));
        Assert.Equal("ingress.port", PacketFields.Suggest("ingress.prot"));
    }

    [Fact]
    public void Extractor_and_pipeline_read_the_port_they_are_given_and_0_by_default()
    {
        var fields = new[] { PacketFields.Find("ipv4.ttl")!, Port, PacketFields.Find("packet.length")! };
        foreach (var frame in PacketFieldTests.SampleFrames().Take(300).Append(new byte[3]).Append(Array.Empty<byte>()))
        {
            var atZero = PacketFieldExtractor.Extract(fields, frame);
            Assert.Equal(0, atZero[1]);
            foreach (int port in new[] { 0, 1, 7, 300, 511 })
            {
                var values = PacketFieldExtractor.Extract(fields, frame, 0, frame.Length, port);
                Assert.Equal(new[] { atZero[0], port, atZero[2] }, values);
                Assert.Equal(port, PacketFieldExtractor.Read(Port, PacketFieldExtractor.Parse(frame), frame, 0, port));
            }
            // The port field is 9 bits wide, as on the switch: its low 9 bits.
            Assert.Equal(3, PacketFieldExtractor.Extract(fields, frame, 0, frame.Length, 512 + 3)[1]);
        }

        // The pipeline, with flow fields: the port is a packet field; the flow key does not include it.
        var pipeline = new PacketFeaturePipeline(new[] { "ingress.port", "flow.packets", "ipv4.ttl" }, new FlowSettings());
        var reference = new PacketFeaturePipeline(new[] { "ingress.port", "flow.packets", "ipv4.ttl" }, new FlowSettings());
        int n = 0;
        foreach (var frame in PacketFieldTests.SampleFrames().Take(500))
        {
            int port = n++ % 4 * 100;
            var values = new long[3];
            var unported = new long[3];
            Assert.Equal(reference.Observe(frame, n, unported), pipeline.Observe(frame, n, values, port));
            Assert.Equal(new[] { port, unported[1], unported[2] }, values);
            Assert.Equal(0, unported[0]);
        }
    }

    // ---- the .hspec and the loader ----

    private static (HSpec Spec, LoadedData Data) Load(string specText)
    {
        string path = Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec");
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(path, specText, diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        var files = DataLoader.ReadFiles(spec!, diagnostics)!;
        var data = DataLoader.Load(spec!, files, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        return (spec!, data!);
    }

    [Fact]
    public void Loader_rows_carry_the_port_each_capture_declares()
    {
        var (spec, data) = Load(PortSpec("bmv2", Features));
        Assert.All(spec.Data.Pcap!.Train.Concat(spec.Data.Pcap.Test), c => Assert.Equal(PortOf(c.Label), c.IngressPort));
        int port = spec.Features.ToList().FindIndex(f => f.Field == "ingress.port");
        foreach (var set in new[] { data.Train, data.Test })
        {
            Assert.True(set.Rows > 1000);
            for (int r = 0; r < set.Rows; r++)
                Assert.Equal(PortOf(data.Classes[set.Classes[r]].Name), set.Row(r)[port]);
        }
        Assert.Equal(new long[] { 1, 5, 9 }, data.Train.Classes.Select((_, r) => data.Train.Row(r)[port]).Distinct().Order());
        Assert.All(data.TestCaptures!, c => Assert.Equal(PortOf(c.Label), c.IngressPort));

        // The other fields are the extractor's values of the same packets, as with every capture on port 0.
        var (_, plain) = Load(Replace(TnaPacketFieldTests.SampleSpec("bmv2", Features), "\"labelFromFolder\": true,", "\"labelFromFolder\": true, \"ingressPort\": 0,"));
        Assert.Equal(plain.Test.Rows, data.Test.Rows);
        for (int r = 0; r < data.Test.Rows; r++)
            Assert.Equal(plain.Test.Row(r).Skip(1), data.Test.Row(r).Skip(1));
        Assert.All(Enumerable.Range(0, plain.Test.Rows), r => Assert.Equal(0, plain.Test.Row(r)[port]));
    }

    // ---- the programs ----

    private static readonly Lazy<ModelFile> Bmv2Model = new(() => PacketFieldTests.Compile(PortSpec("bmv2", Features)));

    private static readonly Lazy<ModelFile> TofinoModel = new(() => PacketFieldTests.Compile(PortSpec("tofino", Features)));

    /// <summary>Every held-out sample packet on its device's port and on other ports (one the training data never had).</summary>
    private static IEnumerable<(byte[] Frame, int Port)> PortedTestPackets(int maxPackets)
    {
        int n = 0;
        foreach (var (device, frame) in PacketFieldTests.SampleTestPackets().Take(maxPackets))
        {
            yield return (frame, PortOf(device));
            yield return (frame, new[] { 0, 1, 5, 9, 300, 511 }[n++ % 6]);
        }
    }

    private static int Reference(ModelFile model, byte[] frame, int port, out long[] raw)
    {
        raw = PacketFieldExtractor.Extract(model.Features.Select(f => PacketFields.Find(f.Field)!).ToList(), frame, 0, frame.Length, port);
        return ReferenceInterpreter.Predict(model, raw.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray());
    }

    private static void AssertBmv2MatchesReference(ModelFile model, int maxPackets)
    {
        string program = new Bmv2Emitter().Emit(model).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        Assert.Contains("= (bit<16>)sm.ingress_port;", program);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        string portField = P4FeatureTransport.FieldRef(model.Features.Single(f => f.Field == "ingress.port"));
        var byPort = new Dictionary<byte[], HashSet<int>>(ReferenceEqualityComparer.Instance);
        int n = 0;
        foreach (var (frame, port) in PortedTestPackets(maxPackets))
        {
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, valid, frame.Length, ingressPort: port);
            int expected = Reference(model, frame, port, out var raw);
            Assert.Equal(port, env[portField]);
            for (int f = 0; f < model.Features.Count; f++)
                Assert.True(raw[f] == env[P4FeatureTransport.FieldRef(model.Features[f])], $"packet {n} on port {port}: {model.Features[f].Name}: P4 {env[P4FeatureTransport.FieldRef(model.Features[f])]}, reference {raw[f]}");
            Assert.True(expected == env[P4PacketFields.ResultRef], $"packet {n} on port {port}: P4 class {env[P4PacketFields.ResultRef]}, reference {expected}");
            Assert.Equal(port, ingress.EgressSpec);   // forwarded back out of its ingress port
            if (!byPort.TryGetValue(frame, out var classes)) byPort[frame] = classes = new HashSet<int>();
            classes.Add(expected);
            n++;
        }
        Assert.True(byPort.Values.Count(c => c.Count > 1) > 10, "the class hardly depends on the port: the check would be weak");
    }

    [Fact]
    public void Bmv2_program_reads_standard_metadata_ingress_port_and_classifies_as_the_reference()
    {
        var model = Bmv2Model.Value;
        Assert.Equal("ingress.port", model.Features[0].Field);
        Assert.Equal(9, model.Features[0].Bits);
        AssertBmv2MatchesReference(model, int.MaxValue);
    }

    [Fact]
    public void Bmv2_network_program_on_the_port_matches_the_reference()
    {
        string text = PortSpec("bmv2", Features)
            .Replace("\"algorithms\": [\"tree\"]", "\"algorithms\": [\"dnn\"]", StringComparison.Ordinal)
            .Replace("\"tree\": { \"depth\": 8, \"maxLeaves\": 48, \"minLeaf\": 2 },", "\"dnn\": { \"hidden\": [8], \"epochs\": 3 },", StringComparison.Ordinal);
        var model = PacketFieldTests.Compile(text);
        Assert.IsType<MlpModel>(model.Model);
        AssertBmv2MatchesReference(model, 400);
    }

    [Fact]
    public void Bmv2_program_on_the_port_alone_parses_only_Ethernet()
    {
        var model = PacketFieldTests.Compile(PortSpec("bmv2", "\"ingress.port\""));
        string program = P4Text.StripLineComments(new Bmv2Emitter().Emit(model)[0].Content);
        Assert.Contains("state start {", program);
        foreach (var header in new[] { "vlan", "ipv4", "ipv6", "tcp", "udp", "icmp" })
            Assert.DoesNotContain($"parse_{header}", program);
        Assert.True(P4Text.Balanced(program, '{', '}'));
        AssertBmv2MatchesReference(model, 300);
    }

    [Fact]
    public void Tofino_program_reads_ig_md_ingress_port_and_classifies_as_the_reference()
    {
        var model = TofinoModel.Value;
        var files = new TnaEmitter().Emit(model);
        string p4 = files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        string json = files.Single(f => f.RelativePath.EndsWith("_entries.json", StringComparison.Ordinal)).Content;
        string portField = P4FeatureTransport.FieldRef(model.Features.Single(f => f.Field == "ingress.port"));
        Assert.Contains($"{portField} = (bit<16>){TnaPacketParser.IngressPortSource};", p4);
        Assert.DoesNotContain("ig_md.isValid", p4);
        var intrinsic = new Dictionary<string, int>(StringComparer.Ordinal) { ["ig_md"] = 64, ["PORT_METADATA_SIZE"] = 64 };
        var parser = new P4ParserEvaluator(p4, "IgParser", intrinsic);
        var simulator = new TnaSimulator(json);
        var dependsOnPort = 0;
        var seen = new Dictionary<byte[], int>(ReferenceEqualityComparer.Instance);
        foreach (var (frame, port) in PortedTestPackets(int.MaxValue))
        {
            var (values, valid) = parser.Run(new byte[16].Concat(frame).ToArray());
            values[TnaPacketParser.IngressPortSource] = port;
            var state = simulator.Run(values, valid);
            int expected = Reference(model, frame, port, out var raw);
            for (int f = 0; f < model.Features.Count; f++)
            {
                string field = P4FeatureTransport.FieldRef(model.Features[f]);
                Assert.True((ulong)raw[f] == state[field], $"{model.Features[f].Name} on port {port}: TNA {state[field]}, reference {raw[f]}");
            }
            Assert.Equal((ulong)port, state[portField]);
            Assert.Equal((ulong)expected, state["m.result"]);
            if (seen.TryGetValue(frame, out int other) && other != expected) dependsOnPort++;
            seen[frame] = expected;
        }
        Assert.Equal(0, simulator.Overlaps);
        Assert.True(dependsOnPort > 10, $"{dependsOnPort} packets change class with the port: the check would be weak");
    }

    [Fact]
    public void Every_target_can_read_the_port()
    {
        Assert.Null(TnaPacketParser.CannotRead("ingress.port"));
        Assert.Null(new Homunculus.Compiler.CostModels.Bmv2CostModel().CannotReadField("ingress.port"));
        Assert.Null(new Homunculus.Compiler.CostModels.TaurusCostModel().CannotReadField("ingress.port"));
    }

    // ---- test vectors ----

    [Fact]
    public void Vectors_replay_on_the_harness_port_and_say_so()
    {
        using var project = new TempProject();
        string data = Path.Combine(PacketFieldTests.SampleFolder, "data").Replace('\\', '/');
        project.Spec(PortSpec("bmv2", Features).Replace("\"data/", $"\"{data}/", StringComparison.Ordinal));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var model = result.Model!;
        string readme = result.Files![VectorsEmitter.ReadmeFile];
        Assert.Contains("### Ingress port", readme);
        Assert.Contains("| capture | label | frames of input.pcap | frames in the capture | declared ingressPort |", readme);
        Assert.Contains("`Predict(FromPacket(frame, N))`", readme);
        foreach (var device in Devices) Assert.Contains($"| {device} |", readme);
        Assert.Contains(" | 5 |", readme);

        var frames = PcapReader.TryRead(result.Outputs![VectorsEmitter.InputFile], out _)!;
        byte[] input = result.Outputs[VectorsEmitter.InputFile];
        var classes = result.Files[VectorsEmitter.ClassesFile].Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => int.Parse(l.Split(',')[1])).ToList();
        Assert.Equal(frames.Count, classes.Count);
        string program = result.Files.Single(f => f.Key.StartsWith("bmv2/", StringComparison.Ordinal) && f.Key.EndsWith(".p4", StringComparison.Ordinal)).Value;
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        int otherOnDeclaredPort = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            var frame = input.AsSpan(frames[i].Offset, frames[i].CapturedLength).ToArray();
            Assert.Equal(Reference(model, frame, VectorsEmitter.HarnessPort, out _), classes[i]);
            var (values, valid) = parser.Run(frame);
            Assert.Equal(classes[i], ingress.Run(values, valid, frame.Length, ingressPort: VectorsEmitter.HarnessPort)[P4PacketFields.ResultRef]);
            if (Reference(model, frame, 5, out _) != classes[i]) otherOnDeclaredPort++;
        }
        Assert.True(otherOnDeclaredPort > 0, "no frame's class depends on the port");
    }

    // ---- diagnostics ----

    private static byte[] Udp(byte ttl)
    {
        var frame = new byte[14 + 20 + 8];
        frame[12] = 0x08;
        frame[14] = 0x45; frame[22] = ttl; frame[23] = 17;
        return frame;
    }

    private static TempProject Project(string data, string features = "[\"ingress.port\", \"ipv4.ttl\"]")
    {
        var project = new TempProject();
        foreach (var (label, ttl) in new[] { ("a", (byte)64), ("b", (byte)128) })
        {
            for (int file = 0; file < 3; file++)
            {
                var records = Enumerable.Range(0, 20).Select(i => new Pcap.Record((uint)i, 0, Udp((byte)(ttl + i % 3)))).ToList();
                string path = Path.Combine(project.Root, "captures", label, $"s{file}.pcap");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, Pcap.Write(records));
            }
        }
        project.Spec($$"""
            {
              "name": "Toy",
              "data": {
                "format": "pcap",
                {{data}}
              },
              "features": {{features}},
              "algorithms": ["tree"],
              "platform": { "target": "bmv2" }
            }
            """);
        return project;
    }

    [Fact]
    public void Reading_the_port_without_any_declared_is_HMC0002_at_the_feature()
    {
        using var project = Project("\"train\": \"captures/*/*.pcap\", \"labelFromFolder\": true");
        var d = TempProject.Single(project.Compile(), "HMC0002");
        Assert.Contains("data.ingressPort", d.Message);
        Assert.Contains("ingress.port", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"ingress.port\""), (d.Location!.Line, d.Location.Column));

        using var named = Project("\"train\": \"captures/*/*.pcap\", \"labelFromFolder\": true", "[{ \"field\": \"ingress.port\", \"name\": \"port\" }]");
        d = TempProject.Single(named.Compile(), "HMC0002");
        Assert.Contains("feature 'port'", d.Message);
        Assert.Equal(named.Find("spec.hspec", "{ \"field\": \"ingress.port\"").Line, d.Location!.Line);
    }

    [Fact]
    public void A_capture_entry_without_a_port_beside_one_with_is_HMC0002_at_the_entry()
    {
        using var project = Project("""
            "train": [
                  { "files": "captures/a/*.pcap", "label": "a", "ingressPort": 2 },
                  { "files": "captures/b/*.pcap", "label": "b" }
                ]
            """);
        var result = project.Compile();
        var d = TempProject.Single(result, "HMC0002");
        Assert.Single(result.Diagnostics, x => x.Descriptor.Code == "HMC0002");
        Assert.Contains("ingressPort of this capture entry", d.Message);
        Assert.Equal(project.Find("spec.hspec", "\"captures/b/*.pcap\""), (d.Location!.Line, d.Location.Column));
    }

    [Fact]
    public void Declared_ports_compile_and_a_port_beyond_511_is_HMC0005_at_the_value()
    {
        using (var project = Project("""
            "train": [
                  { "files": "captures/a/*.pcap", "label": "a", "ingressPort": 2 },
                  { "files": "captures/b/*.pcap", "label": "b" }
                ],
                "ingressPort": 511
            """))
        {
            var result = project.Compile(cache: false);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            Assert.Contains("\"field\": \"ingress.port\"", result.Files!["model.json"]);
        }
        using (var project = Project("\"train\": \"captures/*/*.pcap\", \"labelFromFolder\": true, \"ingressPort\": 512"))
        {
            var result = project.Compile();
            var d = TempProject.Single(result, "HMC0005");
            Assert.Contains("data.ingressPort", d.Message);
            Assert.Contains("between 0 and 511", d.Message);
            Assert.Equal(project.Find("spec.hspec", "512"), (d.Location!.Line, d.Location.Column));
            Assert.DoesNotContain(result.Diagnostics, x => x.Descriptor.Code == "HMC0002");   // reported once, where it stands
        }
        using (var project = Project("\"train\": [{ \"files\": \"captures/*/*.pcap\", \"ingressPort\": \"3\" }], \"labelFromFolder\": true"))
        {
            var d = TempProject.Single(project.Compile(), "HMC0003");
            Assert.Contains("data.train[].ingressPort", d.Message);
            Assert.Equal(project.Find("spec.hspec", "\"3\""), (d.Location!.Line, d.Location.Column));
        }
    }

    [Fact]
    public void Ports_change_the_cache_key()
    {
        using var project = Project("\"train\": [{ \"files\": \"captures/a/*.pcap\", \"label\": \"a\", \"ingressPort\": 2 }, { \"files\": \"captures/b/*.pcap\", \"label\": \"b\", \"ingressPort\": 3 }]");
        Assert.True(project.Compile().Success);
        Assert.True(project.Compile().FromCache);
        string spec = File.ReadAllText(project.SpecPath);
        project.Spec(spec.Replace("\"ingressPort\": 3", "\"ingressPort\": 4", StringComparison.Ordinal));
        var changed = project.Compile();
        Assert.True(changed.Success);
        Assert.False(changed.FromCache);
    }
}
