using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Homunculus.Compiler.Pipeline;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;

namespace Homunculus.Generators.Tests
{
    /// <summary>
    /// The stub of a schedule (docs/schedule.md): Decide gives the reference interpreter's combined decision - each
    /// model's class, null where it does not run - on every test packet of the sample schedule (through FromPacket)
    /// and on random encoded rows of a hand-built schedule (a network, a model reading its class, trees).
    /// </summary>
    public class ScheduleStubTests
    {
        private static readonly Lazy<ModelFile> Sample = new(() => CompileSample(text => text));

        /// <summary>The sample with two flow features and decisions from each flow's second packet on.</summary>
        private static readonly Lazy<ModelFile> Flows = new(() => CompileSample(text => text
            .Replace("\"udp.srcPort\"]", "\"udp.srcPort\", \"flow.packets\", \"flow.maxLength\"]", StringComparison.Ordinal)
            .Replace("\"platform\": {", "\"flow\": { \"classifyAt\": 2 },\n  \"platform\": {", StringComparison.Ordinal)));

        /// <summary>samples/DeviceClassification/schedule.hspec, changed by <paramref name="change"/>, compiled in a temporary folder.</summary>
        private static ModelFile CompileSample(Func<string, string> change)
        {
            string root = Path.Combine(Path.GetTempPath(), "hmc-schedule-stub", Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(root);
                string data = Path.Combine(SampleFolder, "data").Replace('\\', '/');
                string text = change(File.ReadAllText(Path.Combine(SampleFolder, "schedule.hspec")).Replace("\"data/", $"\"{data}/", StringComparison.Ordinal));
                File.WriteAllText(Path.Combine(root, "schedule.hspec"), text);
                var result = Compilation.Run(new CompileRequest(Path.Combine(root, "schedule.hspec"), Path.Combine(root, "out"), null, null), default);
                Assert.True(result.Success, string.Join("\n", result.Diagnostics));
                return result.Model!;
            }
            finally
            {
                if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            }
        }

        private static string SampleFolder
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Homunculus.slnx"))) dir = dir.Parent;
                return Path.Combine(dir!.FullName, "samples", "DeviceClassification");
            }
        }

        /// <summary>Each model's class as a number, -1 where it did not run.</summary>
        private static string Bridge(ModelFile model)
        {
            string type = "global::Test.App." + StubNames.TypeName(model);
            var ids = Schedules.Of(model)!.Models.Select(m => Identifiers.CSharp(m.Name)).ToList();
            string Numbers(string decision) => string.Join(", ", ids.Select(id => $"{decision}.{id} is {{ }} {id.ToLowerInvariant()}_ ? (long){id.ToLowerInvariant()}_ : -1L"));
            var sb = new StringBuilder();
            sb.AppendLine("public static class Bridge {");
            if (model.ReadsPacketFields)
                sb.AppendLine($"  public static long[] DecidePacket(byte[] frame) {{ var d = {type}.Decide({type}.FromPacket(frame)); return new long[] {{ {Numbers("d")} }}; }}");
            if (model.KeepsFlowState)
            {
                sb.AppendLine($"  private static {type}.FlowTracker s_tracker = new {type}.FlowTracker();");
                sb.AppendLine($"  public static void Reset() => s_tracker = new {type}.FlowTracker();");
                sb.AppendLine($"  public static long[]? Classify(byte[] frame, long ts) => s_tracker.Classify(frame, ts) is {{ }} d ? new long[] {{ {Numbers("d")} }} : null;");
            }
            sb.AppendLine($"  public static long[] DecideEncoded(long[] row) {{ var d = {type}.DecideEncoded(row); return new long[] {{ {Numbers("d")} }}; }}");
            sb.AppendLine($"  public static long[] PredictEncoded(long[] row) => new long[] {{ {string.Join(", ", ids.Select(id => $"(long){type}.{id}.PredictEncoded(row)"))} }};");
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

        private static long[] Expected(ModelFile model, IReadOnlyList<long> row) =>
            ReferenceInterpreter.Decide(model, row).Select(c => c == ReferenceInterpreter.NotRun ? -1L : c).ToArray();

        [Fact]
        public void Decide_of_the_sample_schedule_equals_the_interpreter_on_every_test_packet()
        {
            var model = Sample.Value;
            var bridge = Compile(model);
            var decide = bridge.GetMethod("DecidePacket")!.CreateDelegate<Func<byte[], long[]>>();
            var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
            int packets = 0, plugs = 0;
            foreach (var folder in Directory.GetDirectories(Path.Combine(SampleFolder, "data", "test")).OrderBy(f => f, StringComparer.Ordinal))
            {
                foreach (var path in Directory.GetFiles(folder, "*.pcap").OrderBy(f => f, StringComparer.Ordinal))
                {
                    var bytes = File.ReadAllBytes(path);
                    foreach (var f in PcapReader.TryRead(bytes, out _)!)
                    {
                        var frame = bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
                        var encoded = PacketFieldExtractor.Extract(fields, frame).Select((v, i) => FeatureEncoder.EncodeNumber(model.Features[i], v)).ToArray();
                        var expected = Expected(model, encoded);
                        Assert.Equal(expected, decide(frame));
                        if (expected[2] >= 0) plugs++;
                        packets++;
                    }
                }
            }
            Assert.True(packets > 1000 && plugs > 50 && plugs < packets, $"{packets} packets, 'plug' decided {plugs}");
        }

        [Fact]
        public void FlowTracker_Classify_gives_the_interpreters_decision_on_every_packet_of_the_sample_captures()
        {
            var model = Flows.Value;
            var bridge = Compile(model);
            var reset = bridge.GetMethod("Reset")!.CreateDelegate<Action>();
            var classify = bridge.GetMethod("Classify")!.CreateDelegate<Func<byte[], long, long[]?>>();
            int packets = 0, undecided = 0;
            foreach (var capture in FlowTrackerStubTests.Captures())
            {
                reset();
                var reference = PacketFeaturePipeline.For(model);
                foreach (var (frame, timestamp) in capture)
                {
                    var raw = new long[model.Features.Count];
                    bool decide = reference.Observe(frame, timestamp, raw);
                    var actual = classify(frame, timestamp);
                    if (!decide)
                    {
                        Assert.Null(actual);
                        undecided++;
                    }
                    else Assert.Equal(Expected(model, raw.Select((v, i) => FeatureEncoder.EncodeNumber(model.Features[i], v)).ToArray()), actual);
                    packets++;
                }
            }
            Assert.True(packets > 1000 && undecided > 10 && undecided < packets, $"{packets} packets, {undecided} undecided");
        }

        /// <summary>
        /// "detect" (a network on three features), "kind" after it for class 1 only, reading its class (one-hot), and
        /// "flood" beside them (trees on one feature, one of them reading nothing).
        /// </summary>
        internal static ModelFile HandBuilt()
        {
            var detect = TestModels.TwoClass();
            var kind = new MlpModel
            {
                Inputs = new[] { TestModels.Input(0, InputTransform.Log2Compand), TestModels.Input(1, InputTransform.Identity), TestModels.Input(2, InputTransform.OneHot, 0), TestModels.Input(2, InputTransform.OneHot, 1) }.ToEquatableArray(),
                Layers = new[] { TestModels.Layer(4, 3, new[] { 3, -1, 50, -50, -2, 4, -30, 30, 1, 1, 7, 7 }, new[] { 5, -5, 0 }) }.ToEquatableArray(),
            };
            var flood = new TreeEnsembleModel
            {
                Classes = 2,
                Bias = new[] { 1, 0 }.ToEquatableArray(),
                Trees = new[]
                {
                    new DecisionTree
                    {
                        Nodes = new[] { new TreeNode { Feature = 0, Threshold = 40, Left = ~0, Right = ~1 } }.ToEquatableArray(),
                        Leaves = new[] { new TreeLeaf { Class = 0, Value = 3 }, new TreeLeaf { Class = 1, Value = 5 } }.ToEquatableArray(),
                    },
                    new DecisionTree { Leaves = new[] { new TreeLeaf { Class = 1, Value = -2 } }.ToEquatableArray() },
                }.ToEquatableArray(),
            };
            return detect with
            {
                Name = "Guard Schedule",
                Algorithm = ScheduleModel.KindName,
                Classes = EquatableArray<ClassInfo>.Empty,
                Model = new ScheduleModel
                {
                    Models = new[]
                    {
                        new ScheduledModel { Name = "detect", Algorithm = "dnn", Features = new[] { 0, 1, 2 }.ToEquatableArray(), Classes = detect.Classes, Model = detect.Model },
                        new ScheduledModel
                        {
                            Name = "kind", Algorithm = "svm", Features = new[] { 0, 1 }.ToEquatableArray(), After = "detect", When = new[] { 1 }.ToEquatableArray(), Input = true,
                            Classes = new[] { TestModels.Class("dos", false, "neptune"), TestModels.Class("probe", false, "satan"), TestModels.Class("rest", true) }.ToEquatableArray(),
                            Model = kind,
                        },
                        new ScheduledModel
                        {
                            Name = "flood", Algorithm = "forest", Features = new[] { 1 }.ToEquatableArray(),
                            Classes = new[] { TestModels.Class("neptune", false, "neptune"), TestModels.Class("other", true) }.ToEquatableArray(),
                            Model = flood,
                        },
                    }.ToEquatableArray(),
                },
            };
        }

        [Fact]
        public void Decide_and_each_models_Predict_equal_the_interpreter_on_random_rows()
        {
            var model = HandBuilt();
            Assert.Empty(Schedules.Problems(model));
            Assert.Empty(StubModelCheck.Problems(model));
            var bridge = Compile(model);
            var decide = bridge.GetMethod("DecideEncoded")!.CreateDelegate<Func<long[], long[]>>();
            var predict = bridge.GetMethod("PredictEncoded")!.CreateDelegate<Func<long[], long[]>>();
            var random = new Random(8);
            var ran = new int[3];
            for (int n = 0; n < 20_000; n++)
            {
                var row = new long[] { random.Next(0, 1 << 20) >> random.Next(0, 20), random.Next(0, 110), random.Next(0, 5) };
                var expected = Expected(model, row);
                Assert.Equal(expected, decide(row));
                for (int m = 0; m < 3; m++)
                {
                    if (expected[m] >= 0) ran[m]++;
                    var view = Schedules.View(model, m);
                    var local = Schedules.Of(model)!.Models[m].Features.Select(f => row[f]).ToList();
                    if (Schedules.Of(model)!.Models[m].Input) local.Add(ReferenceInterpreter.Decide(model, row)[0]);
                    Assert.Equal(ReferenceInterpreter.Predict(view, local), predict(row)[m]);
                }
            }
            Assert.True(ran[1] > 1000 && ran[1] < 19_000 && ran[0] == 20_000, string.Join(", ", ran));
        }

        [Fact]
        public void Stub_has_a_nested_class_per_model_and_a_nullable_decision()
        {
            string stub = GeneratorHarness.Generate(HandBuilt());
            Assert.Contains("public static class Detect", stub);
            Assert.Contains("public static class Kind", stub);
            Assert.Contains("public global::Test.App.GuardSchedule.Kind.Class? Kind;", stub);
            Assert.Contains("public static Decision Decide(in Features features)", stub);
            Assert.Contains("if (decision.Detect == Detect.Class.Attack)", stub);
            Assert.DoesNotContain("public enum Class", stub.Substring(0, stub.IndexOf("public static class Detect", StringComparison.Ordinal)));
        }

        /// <summary>Each model with actions has ActionOf and ActionArgument for its own classes, in its nested class.</summary>
        [Fact]
        public void Each_model_with_actions_has_its_own_ActionOf()
        {
            var model = HandBuilt();
            var schedule = Schedules.Of(model)!;
            var acts = new[]
            {
                new ClassAction { Kind = ClassActionKind.Drop },
                new ClassAction { Kind = ClassActionKind.Port, Value = 9 },
            };
            var models = schedule.Models.Select((m, i) => i == 0 ? m with { Classes = m.Classes.Select((c, k) => k == 1 ? c with { Action = acts[0] } : c).ToEquatableArray() }
                : i == 1 ? m with { Classes = m.Classes.Select((c, k) => k == 2 ? c with { Action = acts[1] } : c).ToEquatableArray() } : m).ToEquatableArray();
            var acting = model with { Model = schedule with { Models = models } };
            string stub = GeneratorHarness.Generate(acting);
            var ids = models.Select(m => Identifiers.CSharp(m.Name)).ToList();
            string type = "global::Test.App." + Identifiers.CSharp(acting.Name);
            var sb = new StringBuilder("public static class ActionBridge\n{\n");
            for (int m = 0; m < 2; m++)
            {
                sb.AppendLine($"  public static int ActionOf{m}(int cls) => (int){type}.{ids[m]}.{StubNames.ActionOf}(({type}.{ids[m]}.{StubNames.ClassEnum})cls);");
                sb.AppendLine($"  public static int ActionArgument{m}(int cls) => {type}.{ids[m]}.{StubNames.ActionArgument}(({type}.{ids[m]}.{StubNames.ClassEnum})cls);");
            }
            sb.AppendLine("}");
            var (_, stubDiagnostics) = GeneratorHarness.Compile(false, stub);
            Assert.True(stubDiagnostics.IsEmpty, string.Join("\n", stubDiagnostics));
            var (compilation, _) = GeneratorHarness.Compile(false, stub, sb.ToString());
            var bridge = GeneratorHarness.Load(compilation).GetType("ActionBridge", throwOnError: true)!;
            for (int m = 0; m < 2; m++)
            {
                var actionOf = bridge.GetMethod($"ActionOf{m}")!.CreateDelegate<Func<int, int>>();
                var argument = bridge.GetMethod($"ActionArgument{m}")!.CreateDelegate<Func<int, int>>();
                for (int c = 0; c < models[m].Classes.Count; c++)
                {
                    var expected = ClassActions.Of(models[m].Classes, c);
                    Assert.Equal((int)expected.Kind, actionOf(c));
                    Assert.Equal(expected.Value, argument(c));
                }
            }
            Assert.DoesNotContain(StubNames.ActionOf, GeneratorHarness.Generate(model));
        }

        [Fact]
        public void A_model_named_like_a_member_of_the_stub_has_no_stub()
        {
            var model = HandBuilt();
            var schedule = Schedules.Of(model)!;
            var renamed = model with { Model = schedule with { Models = schedule.Models.Select((m, i) => i == 2 ? m with { Name = "decide" } : m).ToEquatableArray() } };
            Assert.Contains(StubModelCheck.Problems(renamed), p => p.Contains("'decide'", StringComparison.Ordinal));
        }
    }
}
