using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Compiler.Tests.Tna;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Actions;

/// <summary>
/// Per-class actions (docs/actions.md) in the generated programs: the BMv2 program's parser, ingress and deparser
/// executed on every sample packet (and crafted, tagged and truncated frames) give the fate and the bytes that
/// <see cref="ClassActions"/> says, with a verifying IPv4 checksum after a DSCP rewrite; feature-header programs
/// act on feature packets only; Tofino programs carry the TNA equivalents; no actions, no change.
/// </summary>
public sealed class ActionEmitterTests
{
    private const int IngressPort = 3;

    private static string Bmv2Program(ModelFile model) =>
        new Bmv2Emitter().Emit(model).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;

    /// <summary>
    /// The frame the deparser sends: the valid headers in emit order, from the values after ingress (fields wider
    /// than 64 bits, which no action writes, from the frame), then the bytes the parser did not consume.
    /// </summary>
    internal static byte[] Deparse(string program, IReadOnlyDictionary<string, long> env, IReadOnlySet<string> valid, byte[] frame)
    {
        string code = P4Text.StripLineComments(program);
        var types = Regex.Matches(code, @"header\s+(\w+)\s*\{([^}]*)\}").ToDictionary(
            h => h.Groups[1].Value,
            h => Regex.Matches(h.Groups[2].Value, @"bit<(\d+)>\s+(\w+)\s*;").Select(f => (Name: f.Groups[2].Value, Width: int.Parse(f.Groups[1].Value))).ToList());
        var instances = Regex.Matches(P4Text.Block(code, "struct headers_t {"), @"(\w+)\s+(\w+)\s*;").ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value);
        var emits = Regex.Matches(P4Text.Block(code, "control DeparserImpl("), @"pkt\.emit\(h\.(\w+)\)").Select(m => m.Groups[1].Value).ToList();
        var bits = new List<bool>();
        foreach (var instance in emits.Where(valid.Contains))
        {
            foreach (var (name, width) in types[instances[instance]])
            {
                if (width > 64)
                {
                    int at = bits.Count;
                    for (int i = 0; i < width; i++) bits.Add(((frame[(at + i) / 8] >> (7 - (at + i) % 8)) & 1) != 0);
                    continue;
                }
                long value = env[$"h.{instance}.{name}"];
                for (int i = width - 1; i >= 0; i--) bits.Add(((value >> i) & 1) != 0);
            }
        }
        Assert.True(bits.Count % 8 == 0 && bits.Count / 8 <= frame.Length);
        var output = new byte[frame.Length];
        for (int i = 0; i < bits.Count; i++) if (bits[i]) output[i / 8] |= (byte)(0x80 >> (i % 8));
        Array.Copy(frame, bits.Count / 8, output, bits.Count / 8, frame.Length - bits.Count / 8);
        return output;
    }

    private static byte[] Frame(int etherType, params byte[] payload)
    {
        var frame = new byte[14 + payload.Length];
        frame[5] = 0x01;
        frame[6] = 0x02; frame[11] = 0x07;
        frame[12] = (byte)(etherType >> 8);
        frame[13] = (byte)etherType;
        payload.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>An IPv4 header of <paramref name="ihl"/> words with a correct checksum, then <paramref name="rest"/>.</summary>
    private static byte[] Ipv4(int ihl, int ttl, int tos, params byte[] rest)
    {
        var header = new byte[ihl * 4];
        header[0] = (byte)(0x40 | ihl);
        header[1] = (byte)tos;
        int total = header.Length + rest.Length;
        header[2] = (byte)(total >> 8); header[3] = (byte)total;
        header[8] = (byte)ttl;
        header[9] = 17;
        for (int i = 20; i < header.Length; i++) header[i] = (byte)(i * 37);
        header[12] = 192; header[13] = 168; header[15] = 7; header[16] = 10; header[19] = 1;
        int sum = 0;
        for (int i = 0; i < header.Length; i += 2) sum += (header[i] << 8) | header[i + 1];
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        header[10] = (byte)(~sum >> 8); header[11] = (byte)~sum;
        return header.Concat(rest).ToArray();
    }

    /// <summary>Frames the samples lack: IPv4 with options, behind a VLAN tag, IPv6, every ToS, and truncated headers.</summary>
    private static IEnumerable<byte[]> CraftedFrames()
    {
        var udp = new byte[] { 0x12, 0x34, 0x00, 0x35, 0x00, 0x08, 0, 0 };
        for (int tos = 0; tos < 256; tos += 5) yield return Frame(0x0800, Ipv4(5, 30 + tos % 70, tos, udp));
        yield return Frame(0x0800, Ipv4(8, 64, 0xB9, udp));
        yield return Frame(0x8100, new byte[] { 0x20, 0x05, 0x08, 0x00 }.Concat(Ipv4(5, 20, 0x03, udp)).ToArray());
        yield return Frame(0x8100, new byte[] { 0x20, 0x05, 0x86, 0xDD }.Concat(new byte[48]).ToArray());
        var v6 = new byte[40];
        v6[0] = 0x6A; v6[1] = 0xBC; v6[2] = 0xDE; v6[6] = 17; v6[7] = 255;
        yield return Frame(0x86DD, v6.Concat(udp).ToArray());
        yield return Frame(0x86DD, v6.Take(30).ToArray());
        yield return Frame(0x0800, Ipv4(5, 20, 0xFC, udp).Take(19).ToArray());
        yield return Frame(0x0800, Ipv4(5, 255, 0xFF));
        yield return new byte[9];
    }

    private sealed class Coverage
    {
        public readonly Dictionary<int, int> Classes = new();
        public int Ipv4Rewrites, Ipv6Rewrites, ChecksumsVerified, Clones, Digests;
    }

    /// <summary>Parser, ingress and deparser of the BMv2 program on each frame, against the reference semantics.</summary>
    private static Coverage RunPacketProgram(ModelFile model, IEnumerable<byte[]> frames)
    {
        string program = Bmv2Program(model);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program) { IngressPort = IngressPort };
        var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var coverage = new Coverage();
        int n = 0;
        foreach (var frame in frames)
        {
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, valid, frame.Length);
            var encoded = PacketFieldExtractor.Extract(fields, frame).Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
            int cls = ReferenceInterpreter.Predict(model, encoded);
            Assert.Equal(cls, env[P4PacketFields.ResultRef]);
            coverage.Classes[cls] = coverage.Classes.GetValueOrDefault(cls) + 1;

            var fate = ClassActions.Fate(ClassActions.Of(model, cls), IngressPort);
            string where = $"frame {n} ({Convert.ToHexString(frame)}), class {cls}";
            Assert.True(fate.Dropped == ingress.Dropped, where);
            if (!fate.Dropped) Assert.True(fate.EgressPort == ingress.EgressSpec, where);
            Assert.Equal(fate.CloneSession < 0 ? Array.Empty<(string, long)>() : new[] { ("CloneType.I2E", (long)fate.CloneSession) }, ingress.Clones.ToArray());
            if (fate.Digest)
            {
                long source = frame.Length >= 14 ? Convert.ToInt64(Convert.ToHexString(frame, 6, 6), 16) : 0;
                var digest = Assert.Single(ingress.Digests);
                Assert.Equal((P4Actions.DigestType, (long)P4Actions.DigestReceiver), (digest.Type, digest.Receiver));
                Assert.Equal(new long[] { cls, IngressPort, source }, digest.Values);
                coverage.Digests++;
            }
            else Assert.Empty(ingress.Digests);
            coverage.Clones += ingress.Clones.Count;

            var expected = (byte[])frame.Clone();
            bool rewritten = fate.Dscp >= 0 && ClassActions.RewriteDscp(expected, 0, expected.Length, fate.Dscp);
            var output = Deparse(program, env, valid, frame);
            Assert.True(expected.AsSpan().SequenceEqual(output), $"{where}: expected {Convert.ToHexString(expected)}, the switch sends {Convert.ToHexString(output)}");
            var layout = PacketFieldExtractor.Parse(frame);
            if (rewritten && layout.Ipv4 >= 0)
            {
                coverage.Ipv4Rewrites++;
                Assert.Equal(fate.Dscp, output[layout.Ipv4 + 1] >> 2);
                Assert.Equal(frame[layout.Ipv4 + 1] & 3, output[layout.Ipv4 + 1] & 3);
                int ihl = frame[layout.Ipv4] & 0x0F;
                if (ihl >= 5 && layout.Ipv4 + ihl * 4 <= frame.Length && ClassActions.Ipv4HeaderSum(frame, layout.Ipv4) == 0xFFFF)
                {
                    Assert.True(ClassActions.Ipv4HeaderSum(output, layout.Ipv4) == 0xFFFF, $"{where}: the IPv4 checksum no longer verifies");
                    coverage.ChecksumsVerified++;
                }
            }
            if (rewritten && layout.Ipv6 >= 0)
            {
                coverage.Ipv6Rewrites++;
                Assert.Equal(fate.Dscp, ((output[layout.Ipv6] & 0x0F) << 2) | (output[layout.Ipv6 + 1] >> 6));
            }
            n++;
        }
        return coverage;
    }

    private static IEnumerable<byte[]> SampleAndCraftedFrames()
    {
        var samples = PacketFieldTests.SampleFrames().ToList();
        var random = new Random(11);
        return samples.Concat(CraftedFrames()).Concat(samples.Take(300).Select(f => f.AsSpan(0, random.Next(0, f.Length + 1)).ToArray()));
    }

    [Fact]
    public void BMv2_program_acts_on_every_sample_packet_as_the_reference_says()
    {
        var model = ActionTestModels.PacketTree();
        var coverage = RunPacketProgram(model, SampleAndCraftedFrames());
        for (int c = 0; c < model.Classes.Count; c++) Assert.True(coverage.Classes.GetValueOrDefault(c) > 0, $"no packet of class {c}");
        Assert.True(coverage.Ipv4Rewrites > 100 && coverage.Ipv6Rewrites > 0 && coverage.ChecksumsVerified > 100 && coverage.Clones > 0 && coverage.Digests > 0,
            $"{coverage.Ipv4Rewrites} IPv4 and {coverage.Ipv6Rewrites} IPv6 rewrites, {coverage.ChecksumsVerified} checksums verified, {coverage.Clones} clones, {coverage.Digests} digests");
    }

    [Fact]
    public void A_wrong_checksum_update_does_not_go_unnoticed()
    {
        var model = ActionTestModels.PacketTree();
        string program = Bmv2Program(model);
        string fold = $"m.{P4Actions.ChecksumField} = (m.{P4Actions.ChecksumField} & 0xFFFF) + (m.{P4Actions.ChecksumField} >> 16);";
        var mutations = new[]
        {
            program.Replace("<< 2)) + 184;", "<< 2)) + 180;"),
            program.Replace(fold + "\n", ""),
            program.Replace("(bit<32>)(~h.ipv4.checksum)", "(bit<32>)h.ipv4.checksum"),
            program.Replace("(h.ipv6.traffic_class & 0x03)", "(h.ipv6.traffic_class & 0x00)"),
        };
        var frames = SampleAndCraftedFrames().ToList();
        foreach (var broken in mutations)
        {
            Assert.NotEqual(program, broken);
            var parser = new P4ParserEvaluator(broken);
            var ingress = new P4IngressEvaluator(broken) { IngressPort = IngressPort };
            bool noticed = frames.Any(frame =>
            {
                var (values, valid) = parser.Run(frame);
                var env = ingress.Run(values, valid, frame.Length);
                var fate = ClassActions.Fate(ClassActions.Of(model, (int)env[P4PacketFields.ResultRef]), IngressPort);
                var expected = (byte[])frame.Clone();
                if (fate.Dscp >= 0) ClassActions.RewriteDscp(expected, 0, expected.Length, fate.Dscp);
                return !expected.AsSpan().SequenceEqual(Deparse(broken, env, valid, frame));
            });
            Assert.True(noticed, $"mutation {Array.IndexOf(mutations, broken)} went unnoticed");
        }
    }

    [Fact]
    public void A_DSCP_action_makes_the_parser_extract_the_IP_headers_the_features_do_not_need()
    {
        var model = ActionTestModels.PacketTree(lengthOnly: true);
        string code = P4Text.StripLineComments(Bmv2Program(model));
        foreach (var state in new[] { "parse_vlan", "parse_ipv4", "parse_ipv6" }) Assert.Contains($"state {state} {{", code);
        Assert.DoesNotContain("state parse_tcp", code);
        var coverage = RunPacketProgram(model, SampleAndCraftedFrames());
        Assert.True(coverage.Ipv4Rewrites > 100 && coverage.Ipv6Rewrites > 0, $"{coverage.Ipv4Rewrites} IPv4, {coverage.Ipv6Rewrites} IPv6 rewrites");

        // Without the action the program parses what the feature needs: nothing beyond Ethernet.
        var plain = ActionTestModels.WithActions(model, ("marked", new ClassAction { Kind = ClassActionKind.Forward }));
        Assert.DoesNotContain("state parse_ipv4 ", P4Text.StripLineComments(Bmv2Program(plain)));
    }

    /// <summary>Feature packets with the given values; the Ethernet source set, so the digest carries it.</summary>
    private static HashSet<ClassActionKind> RunFeatureProgram(ModelFile model, IEnumerable<long[]> rows)
    {
        string program = Bmv2Program(model);
        Assert.True(P4Text.Balanced(P4Text.StripLineComments(program), '{', '}'));
        var ingress = new P4IngressEvaluator(program) { IngressPort = IngressPort };
        var seen = new HashSet<ClassActionKind>();
        const long source = 0x020000000001;
        foreach (var row in rows)
        {
            var values = model.Features.Select((f, i) => (Name: P4FeatureTransport.FieldRef(f), Value: row[i])).ToDictionary(x => x.Name, x => x.Value);
            values["h.eth.src"] = source;
            var env = ingress.Run(values, new HashSet<string> { "eth", "feat" }, 64);
            int cls = ReferenceInterpreter.Predict(model, row);
            Assert.Equal(cls, env["h.feat.result"]);
            var action = ClassActions.Of(model, cls);
            var fate = ClassActions.Fate(action, IngressPort);
            seen.Add(action.Kind);
            Assert.Equal(fate.Dropped, ingress.Dropped);
            if (!fate.Dropped) Assert.Equal(fate.EgressPort, ingress.EgressSpec);
            Assert.Equal(fate.CloneSession < 0 ? 0 : 1, ingress.Clones.Count);
            if (fate.CloneSession >= 0) Assert.Equal(fate.CloneSession, ingress.Clones[0].Session);
            if (fate.Digest) Assert.Equal(new long[] { cls, IngressPort, source }, Assert.Single(ingress.Digests).Values);
            else Assert.Empty(ingress.Digests);

            // Not a feature packet: no class, no action, back where it came from.
            ingress.Run(values, new HashSet<string> { "eth" }, 64);
            Assert.Equal(IngressPort, ingress.EgressSpec);
            Assert.Empty(ingress.Clones);
            Assert.Empty(ingress.Digests);
        }
        return seen;
    }

    private static void AssertEveryActionReached(ModelFile model, HashSet<ClassActionKind> seen)
    {
        var declared = model.Classes.Select(c => c.Action?.Kind ?? ClassActionKind.Forward).ToHashSet();
        Assert.True(declared.SetEquals(seen), $"actions reached: {string.Join(", ", seen)}; declared: {string.Join(", ", declared)}");
    }

    [Fact]
    public void Network_program_on_the_feature_header_acts_on_feature_packets_only()
    {
        var model = ActionTestModels.TrafficActions();
        var rng = new Random(5);
        // Mostly small values (codes, low compand segments), sometimes anything the field holds.
        var rows = Enumerable.Range(0, 3000).Select(_ => model.Features.Select(f =>
        {
            long max = f.FieldBits == 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
            return rng.Next(3) == 0 ? (long)(rng.NextDouble() * max) : rng.Next((int)Math.Min(max, 300) + 1);
        }).ToArray());
        // The random rows reach two of the three classes; the chain is the tree program's, where every branch runs.
        Assert.True(RunFeatureProgram(model, rows).Count >= 2);
    }

    [Fact]
    public void Tree_program_on_the_feature_header_acts_on_feature_packets_only()
    {
        var model = ActionTestModels.TreeActions();
        AssertEveryActionReached(model, RunFeatureProgram(model, TreeEmitterTests.Packets(model, 2000, 17)));
        var other = ActionTestModels.WithActions(model, ("normal", ActionTestModels.Port(5)), ("dos", ActionTestModels.Cpu(9)), ("probe", new ClassAction { Kind = ClassActionKind.Forward }));
        AssertEveryActionReached(other, RunFeatureProgram(other, TreeEmitterTests.Packets(other, 2000, 17)));
    }

    [Fact]
    public void Without_actions_the_programs_are_unchanged()
    {
        foreach (var model in new[] { EmitterTestModels.TrafficClasses(), TreeEmitterTests.Small(), ActionTestModels.PacketTree() })
        {
            var none = model with { Classes = model.Classes.Select(c => c with { Action = null }).ToEquatableArray() };
            var forward = model with { Classes = model.Classes.Select(c => c with { Action = new ClassAction { Kind = ClassActionKind.Forward } }).ToEquatableArray() };
            Assert.Equal(Bmv2Program(none), Bmv2Program(forward));
            string code = P4Text.StripLineComments(Bmv2Program(none));
            foreach (var word in new[] { "mark_to_drop", "clone", "digest", P4Actions.ChecksumField, P4Actions.DigestType })
                Assert.DoesNotContain(word, code);
        }
        var tna = new TnaEmitter().Emit(TnaTestModels.Tree()).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;
        foreach (var word in new[] { "drop_ctl", "copy_to_cpu", "digest_type", "Digest<", TnaActions.PortField })
            Assert.DoesNotContain(word, tna);
    }

    [Fact]
    public void Tofino_program_carries_out_every_action_with_TNA_intrinsics()
    {
        var model = ActionTestModels.WithActions(TnaTestModels.Tree(),
            ("web", ActionTestModels.Cpu(100)), ("dns", ActionTestModels.Digest), ("other", ActionTestModels.Drop));
        var files = new TnaEmitter().Emit(model);
        string program = P4Text.StripLineComments(files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content);
        Assert.True(P4Text.Balanced(program, '{', '}'));
        string apply = P4Text.Block(P4Text.Block(program, "control Ig("), "apply {");
        string chain = apply.Substring(apply.IndexOf("tm_md.ucast_egress_port = ig_md.ingress_port;", StringComparison.Ordinal));
        Assert.Matches(@"if \(h\.feat\.isValid\(\)\) \{\s*if \(h\.feat\.result == 0\) \{\s*tm_md\.copy_to_cpu = 1;\s*\} else if \(h\.feat\.result == 1\) \{\s*dprsr_md\.digest_type = 1;\s*m\.act_ingress_port = ig_md\.ingress_port;\s*\} else if \(h\.feat\.result == 2\) \{\s*dprsr_md\.drop_ctl = 1;\s*\}\s*\}", chain);
        Assert.Contains("struct class_digest_t { bit<8> class_index; bit<9> ingress_port; bit<48> eth_src; }", program);
        Assert.Contains("bit<9> act_ingress_port;", P4Text.Block(program, "struct ig_meta_t {"));
        Assert.Contains("m.act_ingress_port = 0;", P4Text.Block(program, "state start {"));
        string deparser = P4Text.Block(program, "control IgDeparser(");
        Assert.Contains("Digest<class_digest_t>() class_digest;", deparser);
        Assert.Matches(@"if \(dprsr_md\.digest_type == 1\) \{ class_digest\.pack\(\{ h\.feat\.result, m\.act_ingress_port, h\.eth\.src \}\); \}", P4Text.Block(deparser, "apply {"));

        // The entries (and so the simulated model) are those of the program without actions.
        var plain = new TnaEmitter().Emit(TnaTestModels.Tree());
        var tables = (string json) => Newtonsoft.Json.Linq.JObject.Parse(json)["tables"]!.ToString();
        Assert.Equal(tables(plain.Single(f => f.RelativePath.EndsWith(".json", StringComparison.Ordinal)).Content),
            tables(files.Single(f => f.RelativePath.EndsWith(".json", StringComparison.Ordinal)).Content));
    }

    [Fact]
    public void Tofino_port_action_sets_the_unicast_port_after_the_default()
    {
        string program = P4Text.StripLineComments(new TnaEmitter().Emit(ActionTestModels.TnaTree()).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content);
        int first = program.IndexOf("tm_md.ucast_egress_port = ig_md.ingress_port;", StringComparison.Ordinal);
        int port = program.IndexOf("tm_md.ucast_egress_port = 12;", StringComparison.Ordinal);
        Assert.True(first > 0 && port > first);
        Assert.DoesNotContain("copy_to_cpu", program);
    }

    private static List<byte[]> Frames(byte[] pcap) =>
        PcapReader.TryRead(pcap, out _)!.Select(f => pcap.AsSpan(f.Offset, f.CapturedLength).ToArray()).ToList();

    [Fact]
    public void Test_vectors_expect_only_the_packets_that_come_back_on_the_ingress_port()
    {
        var model = ActionTestModels.TreeActions();
        var rows = TreeEmitterTests.Packets(model, 300, 3).Select(r => (IReadOnlyList<long>)r).ToList();
        var files = new VectorsEmitter().Emit(model, new VectorRows(rows));
        var input = Frames(files.Single(f => f.RelativePath == VectorsEmitter.InputFile).Bytes);
        var expected = Frames(files.Single(f => f.RelativePath == VectorsEmitter.ExpectedFile).Bytes);
        var back = rows.Select(r => ReferenceInterpreter.Predict(model, r)).Where(c => ClassActions.Of(model, c).Kind != ClassActionKind.Drop).ToList();
        Assert.Equal(rows.Count, input.Count);
        Assert.True(back.Count < rows.Count && back.Count > 0);
        Assert.Equal(back, expected.Select(f => (int)f[FeaturePacket.ResultOffset(model)]).ToList());
        Assert.Contains("drop", files.Single(f => f.RelativePath == VectorsEmitter.ReadmeFile).Content);
    }
}
