using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;

namespace Homunculus.Generators.Tests
{
    /// <summary>
    /// The stub's per-class actions (docs/actions.md): ActionOf and ActionArgument say what the switch does for every
    /// class, and RewriteDscp changes a frame exactly as <see cref="ClassActions.RewriteDscp"/> (the switch's
    /// semantics, which the compiler tests check the BMv2 program against) on every sample packet and fuzzed frames.
    /// </summary>
    public class ActionStubTests
    {
        private static ModelFile WithActions(ModelFile model, params ClassAction?[] actions) => model with
        {
            Classes = model.Classes.Select((c, i) => c with { Action = i < actions.Length ? actions[i] : null }).ToEquatableArray(),
        };

        private static ClassAction Action(ClassActionKind kind, int value = 0) => new ClassAction { Kind = kind, Value = value };

        /// <summary>A packet-field model with one class per action.</summary>
        private static ModelFile SixActions()
        {
            var model = PacketFieldStubTests.AllFieldsModel(new[] { PacketFields.Find("ipv4.ttl")!, PacketFields.Find("packet.length")! });
            var classes = new[] { "forward", "drop", "dscp", "port", "cpu", "digest" }.Select(n => TestModels.Class(n, false, n)).ToList();
            var mlp = (MlpModel)model.Model;
            var layer = TestModels.Layer(mlp.Inputs.Count, 6, Enumerable.Range(0, mlp.Inputs.Count * 6).Select(i => i % 7 - 3).ToArray(), new[] { 1, 2, 3, 4, 5, 6 });
            model = model with { Classes = classes.ToEquatableArray(), Model = mlp with { Layers = EquatableArray.From(layer) } };
            return WithActions(model, null, Action(ClassActionKind.Drop), Action(ClassActionKind.Dscp, 46), Action(ClassActionKind.Port, 9), Action(ClassActionKind.Cpu, 100), Action(ClassActionKind.Digest));
        }

        private static string Bridge(ModelFile model, bool rewrite)
        {
            string type = "global::Test.App." + StubNames.TypeName(model);
            var sb = new StringBuilder();
            sb.AppendLine("public static class Bridge {");
            sb.AppendLine($"  public static int ActionOf(int cls) => (int){type}.{StubNames.ActionOf}(({type}.{StubNames.ClassEnum})cls);");
            sb.AppendLine($"  public static int ActionArgument(int cls) => {type}.{StubNames.ActionArgument}(({type}.{StubNames.ClassEnum})cls);");
            if (rewrite) sb.AppendLine($"  public static bool RewriteDscp(byte[] frame, int dscp) => {type}.{StubNames.RewriteDscp}(frame, dscp);");
            sb.AppendLine("}");
            return sb.ToString();
        }

        private static Type Compile(ModelFile model, bool rewrite, bool checkOverflow = false)
        {
            string stub = GeneratorHarness.Generate(model);
            var (_, diagnostics) = GeneratorHarness.Compile(checkOverflow, stub);
            Assert.True(diagnostics.IsEmpty, "generated code has diagnostics:\n" + string.Join("\n", diagnostics) + "\n" + stub);
            var (compilation, _) = GeneratorHarness.Compile(checkOverflow, stub, Bridge(model, rewrite));
            return GeneratorHarness.Load(compilation).GetType("Bridge", throwOnError: true)!;
        }

        [Fact]
        public void ActionOf_and_ActionArgument_say_what_the_switch_does_for_every_class()
        {
            var model = SixActions();
            var bridge = Compile(model, rewrite: true);
            var actionOf = bridge.GetMethod("ActionOf")!.CreateDelegate<Func<int, int>>();
            var argument = bridge.GetMethod("ActionArgument")!.CreateDelegate<Func<int, int>>();
            for (int c = 0; c < model.Classes.Count; c++)
            {
                var action = ClassActions.Of(model, c);
                Assert.Equal((int)action.Kind, actionOf(c));
                Assert.Equal(action.Kind is ClassActionKind.Dscp or ClassActionKind.Port or ClassActionKind.Cpu ? action.Value : 0, argument(c));
            }
            Assert.Equal((int)ClassActionKind.Forward, actionOf(77));
        }

        private static IEnumerable<byte[]> SampleFrames()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Homunculus.slnx"))) dir = dir.Parent;
            string data = Path.Combine(dir!.FullName, "samples", "DeviceClassification", "data");
            foreach (var path in Directory.GetFiles(data, "*.pcap", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal))
            {
                var bytes = File.ReadAllBytes(path);
                foreach (var f in PcapReader.TryRead(bytes, out _)!) yield return bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
            }
        }

        /// <summary>Truncated sample frames, and random bytes behind IPv4, IPv6 and 802.1Q EtherTypes.</summary>
        private static IEnumerable<byte[]> FuzzedFrames(IReadOnlyList<byte[]> real)
        {
            var rng = new Random(41);
            foreach (var frame in real.Take(300))
                for (int cut = 0; cut < Math.Min(frame.Length, 64); cut += 3) yield return frame.AsSpan(0, cut).ToArray();
            int[] etherTypes = { 0x0800, 0x86DD, 0x8100, 0x0806 };
            for (int n = 0; n < 20000; n++)
            {
                var frame = new byte[rng.Next(0, 90)];
                rng.NextBytes(frame);
                int at = 12;
                if (frame.Length > 16 && rng.Next(3) == 0) { frame[12] = 0x81; frame[13] = 0x00; at = 16; }
                if (frame.Length > at + 2)
                {
                    int t = etherTypes[rng.Next(etherTypes.Length)];
                    frame[at] = (byte)(t >> 8);
                    frame[at + 1] = (byte)t;
                }
                yield return frame;
            }
        }

        [Fact]
        public void RewriteDscp_is_the_switch_rewrite_on_every_sample_packet_and_fuzzed_frames()
        {
            var bridge = Compile(SixActions(), rewrite: true, checkOverflow: true);
            var rewrite = bridge.GetMethod("RewriteDscp")!.CreateDelegate<Func<byte[], int, bool>>();
            var real = SampleFrames().ToList();
            Assert.True(real.Count > 5000);
            int n = 0, rewritten = 0;
            foreach (var frame in real.Concat(FuzzedFrames(real)))
            {
                int dscp = n % 64;
                var expected = (byte[])frame.Clone();
                var actual = (byte[])frame.Clone();
                bool reference = ClassActions.RewriteDscp(expected, 0, expected.Length, dscp);
                Assert.Equal(reference, rewrite(actual, dscp));
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"frame {n} ({Convert.ToHexString(frame)}), DSCP {dscp}: reference {Convert.ToHexString(expected)}, stub {Convert.ToHexString(actual)}");
                if (reference) rewritten++;
                n++;
            }
            Assert.True(rewritten > 5000, $"{rewritten} frames rewritten");
            Assert.Throws<ArgumentOutOfRangeException>(() => rewrite(new byte[60], 64));
        }

        [Fact]
        public void RewriteDscp_keeps_a_right_IPv4_checksum_right()
        {
            var rng = new Random(8);
            int verified = 0;
            foreach (var frame in SampleFrames())
            {
                var layout = PacketFieldExtractor.Parse(frame);
                if (layout.Ipv4 < 0 || ClassActions.Ipv4HeaderSum(frame, layout.Ipv4) != 0xFFFF) continue;
                var copy = (byte[])frame.Clone();
                int dscp = rng.Next(64);
                Assert.True(ClassActions.RewriteDscp(copy, 0, copy.Length, dscp));
                Assert.Equal(0xFFFF, ClassActions.Ipv4HeaderSum(copy, layout.Ipv4));
                Assert.Equal(dscp, copy[layout.Ipv4 + 1] >> 2);
                Assert.Equal(frame[layout.Ipv4 + 1] & 3, copy[layout.Ipv4 + 1] & 3);
                verified++;
            }
            Assert.True(verified > 1000, $"{verified} IPv4 headers");
        }

        [Fact]
        public void Without_a_DSCP_action_there_is_no_RewriteDscp_and_without_actions_nothing()
        {
            var model = WithActions(TestModels.TwoClass(), Action(ClassActionKind.Drop));
            string stub = GeneratorHarness.Generate(model);
            Assert.Contains($"public enum {StubNames.PacketAction}", stub);
            Assert.DoesNotContain(StubNames.RewriteDscp, stub);
            var bridge = Compile(model, rewrite: false);
            Assert.Equal((int)ClassActionKind.Drop, bridge.GetMethod("ActionOf")!.CreateDelegate<Func<int, int>>()(0));

            string plain = GeneratorHarness.Generate(TestModels.TwoClass());
            Assert.Equal(plain, GeneratorHarness.Generate(WithActions(TestModels.TwoClass(), Action(ClassActionKind.Forward))));
            foreach (var name in new[] { StubNames.PacketAction, StubNames.ActionOf, StubNames.ActionArgument, StubNames.RewriteDscp })
            {
                Assert.DoesNotContain(name, plain);
                Assert.Contains(name, StubNames.Reserved);
            }
        }

        [Fact]
        public void A_feature_named_like_an_action_member_is_refused()
        {
            var model = TestModels.TwoClass();
            var renamed = model with { Features = model.Features.Select((f, i) => i == 0 ? f with { Name = "packet action", Kind = FeatureKind.Categorical, Categories = EquatableArray.From("a") } : f).ToEquatableArray() };
            Assert.Contains(StubNames.Conflicts(renamed), p => p.Contains(StubNames.PacketAction, StringComparison.Ordinal));
        }
    }
}
