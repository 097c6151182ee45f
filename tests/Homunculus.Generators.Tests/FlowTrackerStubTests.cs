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
    /// The stub's FlowTracker computes exactly what the reference FlowTable computes (docs/flow-features.md): every
    /// packet of every sample capture, in capture order, shuffled (timestamps then run backwards too), and with a
    /// table small enough that flows collide; directional and bidirectional; with and without a classification point.
    /// </summary>
    public class FlowTrackerStubTests
    {
        private static readonly string[] PacketFieldNames = { "packet.length", "ipv4.protocol", "tcp.flags", "udp.dstPort" };

        internal static ModelFile FlowModel(FlowSettings flow, IReadOnlyList<string>? packetFields = null)
        {
            var names = (packetFields ?? PacketFieldNames).Concat(FlowFields.Names).ToList();
            var rng = new Random(11);
            var features = names.Select(n =>
            {
                int bits = PacketFields.Find(n)?.Bits ?? FlowFields.Find(n)!.Bits;
                return new FeatureEncoding { Name = n, Kind = FeatureKind.Integer, Bits = bits, Scale = 1, Offset = 0, Max = (1L << bits) - 1, Field = n };
            }).ToList();
            var inputs = Enumerable.Range(0, features.Count).Select(f => TestModels.Input(f, features[f].Bits > 8 ? InputTransform.Log2Compand : InputTransform.Identity)).ToList();
            var weights = Enumerable.Range(0, inputs.Count * 3).Select(_ => rng.Next(-128, 128)).ToArray();
            var model = TestModels.File("Flow Model", features,
                new[] { TestModels.Class("a", false, "a"), TestModels.Class("b", false, "b"), TestModels.Class("c", true, "c") },
                inputs, new[] { TestModels.Layer(inputs.Count, 3, weights, new[] { 10, -20, 30 }) });
            return model with { Flow = flow };
        }

        private static string Bridge(ModelFile model)
        {
            string type = "global::Test.App." + StubNames.TypeName(model);
            var sb = new StringBuilder();
            sb.AppendLine("public sealed class Bridge {");
            sb.AppendLine($"  private readonly {type}.FlowTracker _tracker = new {type}.FlowTracker();");
            sb.AppendLine("  public long[] Observe(byte[] frame, long ts) {");
            sb.AppendLine("    bool decide = _tracker.Observe(frame, ts, out var f);");
            sb.AppendLine("    return new long[] { decide ? 1 : 0,");
            foreach (var feature in model.Features) sb.AppendLine($"      f.{Identifiers.CSharp(feature.Name)},");
            sb.AppendLine("    }; }");
            sb.AppendLine($"  public int Classify(byte[] frame, long ts) => _tracker.Classify(frame, ts) is {{ }} c ? (int)c : -1;");
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

        /// <summary>Per capture file, its frames with their timestamps.</summary>
        internal static IEnumerable<List<(byte[] Frame, long Timestamp)>> Captures()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Homunculus.slnx"))) dir = dir.Parent;
            string data = Path.Combine(dir!.FullName, "samples", "DeviceClassification", "data");
            foreach (var path in Directory.GetFiles(data, "*.pcap", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal))
            {
                var bytes = File.ReadAllBytes(path);
                yield return PcapReader.TryRead(bytes, out _)!.Select(f => (bytes.AsSpan(f.Offset, f.CapturedLength).ToArray(), f.TimestampMicroseconds)).ToList();
            }
        }

        [Theory]
        [InlineData(65536, false, 60.0, 1, false)]
        [InlineData(65536, true, 60.0, 3, false)]
        [InlineData(16, true, 0.0, 1, false)]
        [InlineData(16, false, 0.5, 2, true)]
        public void FlowTracker_matches_the_reference_flow_table_on_every_sample_packet(int tableSize, bool bidirectional, double timeoutSeconds, int classifyAt, bool shuffled)
        {
            var flow = new FlowSettings { TableSize = tableSize, Bidirectional = bidirectional, TimeoutMicroseconds = (long)(timeoutSeconds * 1e6), ClassifyAt = classifyAt };
            var model = FlowModel(flow);
            var bridgeType = Compile(model);
            var rng = new Random(tableSize + classifyAt);
            int packets = 0, decided = 0, fresh = 0;
            foreach (var capture in Captures())
            {
                var stream = shuffled ? capture.OrderBy(_ => rng.Next()).ToList() : capture;
                var bridge = Activator.CreateInstance(bridgeType)!;
                var observe = bridgeType.GetMethod("Observe")!.CreateDelegate<Func<byte[], long, long[]>>(bridge);
                var reference = PacketFeaturePipeline.For(model);
                var expected = new long[model.Features.Count];
                foreach (var (frame, ts) in stream)
                {
                    bool decide = reference.Observe(frame, ts, expected);
                    var actual = observe(frame, ts);
                    Assert.True(actual[0] == (decide ? 1 : 0) && expected.SequenceEqual(actual.Skip(1)),
                        $"packet {packets}: reference {decide} [{string.Join(", ", expected)}], stub [{string.Join(", ", actual)}]");
                    packets++;
                    if (decide) decided++;
                    if (expected[PacketFieldNames.Length] == 1) fresh++;
                }
            }
            Assert.True(packets > 5000, $"{packets} packets");
            Assert.True(fresh > 10 && fresh < packets, $"{fresh} flow starts of {packets}");
            if (classifyAt > 1) Assert.InRange(decided, 1, packets - 1);
        }

        [Fact]
        public void FlowTracker_takes_the_ingress_port_as_the_reference_does()
        {
            var model = FlowModel(new FlowSettings { ClassifyAt = 2, TableSize = 64 }, new[] { "ingress.port", "packet.length", "udp.dstPort" });
            string type = "global::Test.App." + StubNames.TypeName(model);
            var bridge = new StringBuilder();
            bridge.AppendLine("public sealed class Bridge {");
            bridge.AppendLine($"  private readonly {type}.FlowTracker _tracker = new {type}.FlowTracker();");
            bridge.AppendLine($"  private readonly {type}.FlowTracker _classifier = new {type}.FlowTracker();");
            bridge.AppendLine("  public long[] Observe(byte[] frame, long ts, int port) {");
            bridge.AppendLine("    bool decide = _tracker.Observe(frame, ts, out var f, port);");
            bridge.AppendLine("    return new long[] { decide ? 1 : 0,");
            foreach (var feature in model.Features) bridge.AppendLine($"      f.{Identifiers.CSharp(feature.Name)},");
            bridge.AppendLine("    }; }");
            bridge.AppendLine("  public int Classify(byte[] frame, long ts, int port) => _classifier.Classify(frame, ts, port) is { } c ? (int)c : -1;");
            bridge.AppendLine("  public int ClassifyAtPortZero(byte[] frame, long ts) => new " + type + ".FlowTracker().Classify(frame, ts) is { } c ? (int)c : -1;");
            bridge.AppendLine("}");
            string stub = GeneratorHarness.Generate(model);
            Assert.Contains("out Features features, int ingressPort = 0)", stub);
            var (_, diagnostics) = GeneratorHarness.Compile(false, stub);
            Assert.True(diagnostics.IsEmpty, "generated code has diagnostics:\n" + string.Join("\n", diagnostics));
            var (compilation, _) = GeneratorHarness.Compile(false, stub, bridge.ToString());
            var bridgeType = GeneratorHarness.Load(compilation).GetType("Bridge", throwOnError: true)!;
            int packets = 0, decided = 0;
            foreach (var (capture, index) in Captures().Select((c, i) => (c, i)))
            {
                var instance = Activator.CreateInstance(bridgeType)!;
                var observe = bridgeType.GetMethod("Observe")!.CreateDelegate<Func<byte[], long, int, long[]>>(instance);
                var classify = bridgeType.GetMethod("Classify")!.CreateDelegate<Func<byte[], long, int, int>>(instance);
                var reference = PacketFeaturePipeline.For(model);
                var values = new long[model.Features.Count];
                foreach (var (frame, ts) in capture)
                {
                    int port = (index * 37 + packets) % 512;
                    bool decide = reference.Observe(frame, ts, values, port);
                    var actual = observe(frame, ts, port);
                    Assert.True(actual[0] == (decide ? 1 : 0) && values.SequenceEqual(actual.Skip(1)),
                        $"packet {packets} on port {port}: reference {decide} [{string.Join(", ", values)}], stub [{string.Join(", ", actual)}]");
                    int expected = decide ? ReferenceInterpreter.Predict(model, values.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray()) : -1;
                    Assert.Equal(expected, classify(frame, ts, port));
                    packets++;
                    if (decide) decided++;
                }
            }
            Assert.True(packets > 5000 && decided > 0 && decided < packets, $"{decided} of {packets} decided");
        }

        [Fact]
        public void Classify_is_null_before_the_classification_point_and_the_reference_class_after()
        {
            var model = FlowModel(new FlowSettings { ClassifyAt = 3 });
            var bridgeType = Compile(model);
            var bridge = Activator.CreateInstance(bridgeType)!;
            var classify = bridgeType.GetMethod("Classify")!.CreateDelegate<Func<byte[], long, int>>(bridge);
            var reference = PacketFeaturePipeline.For(model);
            var values = new long[model.Features.Count];
            int nulls = 0, classes = 0;
            foreach (var (frame, ts) in Captures().First())
            {
                bool decide = reference.Observe(frame, ts, values);
                int expected = decide ? ReferenceInterpreter.Predict(model, values.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray()) : -1;
                Assert.Equal(expected, classify(frame, ts));
                if (decide) classes++; else nulls++;
            }
            Assert.True(nulls > 0 && classes > 0, $"{nulls} undecided, {classes} decided");
        }
    }
}
