using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;

namespace Homunculus.Generators.Tests
{
    /// <summary>The stub's FromPacket computes exactly what PacketFieldExtractor computes, on real, crafted and fuzzed frames.</summary>
    public class PacketFieldStubTests
    {
        /// <summary>A one-layer model reading every catalogue field (or the given ones), in catalogue order.</summary>
        internal static ModelFile AllFieldsModel(IReadOnlyList<PacketField>? fields = null)
        {
            fields ??= PacketFields.All;
            var rng = new Random(5);
            var features = fields.Select(f => new FeatureEncoding
            {
                Name = f.Name, Kind = FeatureKind.Integer, Bits = f.Bits, Scale = 1, Offset = 0, Max = f.Mask, Field = f.Name,
            }).ToList();
            var inputs = Enumerable.Range(0, features.Count).Select(f => TestModels.Input(f, features[f].Bits > 8 ? InputTransform.Log2Compand : InputTransform.Identity)).ToList();
            var weights = Enumerable.Range(0, inputs.Count * 3).Select(_ => rng.Next(-128, 128)).ToArray();
            return TestModels.File("Packet Model", features,
                new[] { TestModels.Class("a", false, "a"), TestModels.Class("b", false, "b"), TestModels.Class("c", true, "c") },
                inputs, new[] { TestModels.Layer(inputs.Count, 3, weights, new[] { 10, -20, 30 }) });
        }

        private static string Bridge(ModelFile model)
        {
            string type = "global::Test.App." + StubNames.TypeName(model);
            var sb = new StringBuilder();
            sb.AppendLine("public static class Bridge {");
            sb.AppendLine($"  public static long[] FromPacket(byte[] frame) {{ var f = {type}.FromPacket(frame); return new long[] {{");
            foreach (var feature in model.Features) sb.AppendLine($"    f.{Identifiers.CSharp(feature.Name)},");
            sb.AppendLine("  }; }");
            sb.AppendLine($"  public static int Classify(byte[] frame) => (int){type}.Predict({type}.FromPacket(frame));");
            sb.AppendLine("}");
            return sb.ToString();
        }

        private static Type Compile(ModelFile model)
        {
            string stub = GeneratorHarness.Generate(model);
            var (_, diagnostics) = GeneratorHarness.Compile(false, stub);
            Assert.True(diagnostics.IsEmpty, "generated code has diagnostics:\n" + string.Join("\n", diagnostics) + "\n" + stub);
            var (compilation, _) = GeneratorHarness.Compile(false, stub, Bridge(model));
            return GeneratorHarness.Load(compilation).GetType("Bridge", throwOnError: true)!;
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

        /// <summary>Frames that reach every rule: VLAN tags, IPv4 options and fragments, IPv6, ICMP, random and truncated bytes.</summary>
        private static IEnumerable<byte[]> FuzzedFrames(IReadOnlyList<byte[]> real)
        {
            var rng = new Random(99);
            foreach (var frame in real.Take(300))
            {
                for (int cut = 0; cut < Math.Min(frame.Length, 70); cut += 3) yield return frame.AsSpan(0, cut).ToArray();
            }
            int[] etherTypes = { 0x0800, 0x86DD, 0x8100, 0x0806, 0x88B5 };
            for (int n = 0; n < 20000; n++)
            {
                var frame = new byte[rng.Next(0, 110)];
                rng.NextBytes(frame);
                int at = 12;
                if (frame.Length > 14 && rng.Next(4) == 0) { frame[12] = 0x81; frame[13] = 0x00; at = 16; }
                if (frame.Length > at + 2)
                {
                    int t = etherTypes[rng.Next(etherTypes.Length)];
                    frame[at] = (byte)(t >> 8); frame[at + 1] = (byte)t;
                    int l3 = at + 2;
                    if (t == 0x0800 && frame.Length > l3 + 10)
                    {
                        frame[l3] = (byte)(0x40 | rng.Next(3, 9));
                        if (rng.Next(2) == 0) { frame[l3 + 6] &= 0xE0; frame[l3 + 7] = 0; }
                        frame[l3 + 9] = new byte[] { 1, 6, 17, 58 }[rng.Next(4)];
                    }
                    if (t == 0x86DD && frame.Length > l3 + 7) frame[l3 + 6] = new byte[] { 1, 6, 17, 58, 0 }[rng.Next(5)];
                }
                yield return frame;
            }
        }

        [Fact]
        public void FromPacket_matches_the_reference_extractor_on_every_sample_packet_and_fuzzed_frames()
        {
            var model = AllFieldsModel();
            var bridge = Compile(model);
            var fromPacket = bridge.GetMethod("FromPacket")!.CreateDelegate<Func<byte[], long[]>>();
            var classify = bridge.GetMethod("Classify")!.CreateDelegate<Func<byte[], int>>();
            var real = SampleFrames().ToList();
            Assert.True(real.Count > 5000);
            int checkedFrames = 0;
            foreach (var frame in real.Concat(FuzzedFrames(real)))
            {
                var expected = PacketFieldExtractor.Extract(PacketFields.All, frame);
                var actual = fromPacket(frame);
                Assert.True(expected.SequenceEqual(actual), $"frame {checkedFrames} ({Convert.ToHexString(frame)}): reference [{string.Join(", ", expected)}], stub [{string.Join(", ", actual)}]");
                var encoded = expected.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
                Assert.Equal(ReferenceInterpreter.Predict(model, encoded), classify(frame));
                checkedFrames++;
            }
        }

        private static string PortBridge(ModelFile model)
        {
            string type = "global::Test.App." + StubNames.TypeName(model);
            var sb = new StringBuilder();
            sb.AppendLine("public static class Bridge {");
            sb.AppendLine($"  public static long[] FromPacket(byte[] frame, int port) {{ var f = {type}.FromPacket(frame, port); return new long[] {{");
            foreach (var feature in model.Features) sb.AppendLine($"    f.{Identifiers.CSharp(feature.Name)},");
            sb.AppendLine("  }; }");
            sb.AppendLine($"  public static int Classify(byte[] frame, int port) => (int){type}.Predict({type}.FromPacket(frame, ingressPort: port));");
            sb.AppendLine($"  public static bool SameAsPortZero(byte[] frame) => {type}.FromPacket(frame).Equals({type}.FromPacket(frame, 0));");
            sb.AppendLine("}");
            return sb.ToString();
        }

        [Fact]
        public void FromPacket_with_a_port_matches_the_reference_and_without_one_reads_port_0()
        {
            var model = AllFieldsModel();
            Assert.Contains(model.Features, f => f.Field == "ingress.port");
            string stub = GeneratorHarness.Generate(model);
            Assert.Contains("public static Features FromPacket(global::System.ReadOnlySpan<byte> frame, int ingressPort = 0)", stub);
            var (_, diagnostics) = GeneratorHarness.Compile(false, stub);
            Assert.True(diagnostics.IsEmpty, "generated code has diagnostics:\n" + string.Join("\n", diagnostics));
            var (compilation, _) = GeneratorHarness.Compile(false, stub, PortBridge(model));
            var bridge = GeneratorHarness.Load(compilation).GetType("Bridge", throwOnError: true)!;
            var fromPacket = bridge.GetMethod("FromPacket")!.CreateDelegate<Func<byte[], int, long[]>>();
            var classify = bridge.GetMethod("Classify")!.CreateDelegate<Func<byte[], int, int>>();
            var samePortZero = bridge.GetMethod("SameAsPortZero")!.CreateDelegate<Func<byte[], bool>>();
            int[] ports = { 0, 1, 7, 300, 511, 512 + 9, -1 };
            var real = SampleFrames().ToList();
            int n = 0, portChangesClass = 0;
            foreach (var frame in real.Concat(FuzzedFrames(real).Take(3000)))
            {
                int port = ports[n % ports.Length];
                var expected = PacketFieldExtractor.Extract(PacketFields.All, frame, 0, frame.Length, port);
                var actual = fromPacket(frame, port);
                Assert.True(expected.SequenceEqual(actual), $"frame {n} on port {port}: reference [{string.Join(", ", expected)}], stub [{string.Join(", ", actual)}]");
                var encoded = expected.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
                int cls = ReferenceInterpreter.Predict(model, encoded);
                Assert.Equal(cls, classify(frame, port));
                if (cls != classify(frame, 0)) portChangesClass++;
                Assert.True(samePortZero(frame));
                n++;
            }
            Assert.True(portChangesClass > 0, "the port never changes the class: the check would be weak");
        }

        [Fact]
        public void Only_a_model_that_reads_the_port_takes_it()
        {
            string withoutPort = GeneratorHarness.Generate(AllFieldsModel(PacketFields.All.Where(f => f.Name != "ingress.port").ToList()));
            Assert.DoesNotContain("ingressPort", withoutPort);
            Assert.Contains("public static Features FromPacket(global::System.ReadOnlySpan<byte> frame)", withoutPort);
            string portOnly = GeneratorHarness.Generate(AllFieldsModel(new[] { PacketFields.Find("ingress.port")! }));
            Assert.Contains("FromPacket(global::System.ReadOnlySpan<byte> frame, int ingressPort = 0)", portOnly);
            var (_, diagnostics) = GeneratorHarness.Compile(false, portOnly);
            Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics));
        }

        [Fact]
        public void A_model_reading_few_fields_compiles_without_warnings()
        {
            var fields = new[] { PacketFields.Find("packet.length")!, PacketFields.Find("ipv4.ttl")! };
            var bridge = Compile(AllFieldsModel(fields));
            var fromPacket = bridge.GetMethod("FromPacket")!.CreateDelegate<Func<byte[], long[]>>();
            Assert.Equal(new long[] { 3, 0 }, fromPacket(new byte[3]));
        }

        [Fact]
        public void Header_programs_get_no_FromPacket()
        {
            Assert.DoesNotContain("FromPacket", GeneratorHarness.Generate(TestModels.TwoClass()));
            Assert.Contains(StubNames.FromPacket, StubNames.Reserved);
        }
    }
}
