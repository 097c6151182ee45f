using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Compiler.Tests.Tna;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>Schedules (docs/schedule.md) compile for every target into one model file, one program per target and one report.</summary>
public sealed class ScheduleCompilationTests
{
    private static Homunculus.Compiler.Pipeline.CompileResult Compile(string specText, Action<TempProject>? more = null)
    {
        using var project = new TempProject();
        project.Spec(specText);
        more?.Invoke(project);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result;
    }

    [Theory]
    [InlineData("bmv2", false, "bmv2/nsl_guard.p4")]
    [InlineData("tofino", false, "tna/nsl_guard.p4")]
    [InlineData("taurus", false, "taurus/NslGuard.scala")]
    [InlineData("bmv2", true, "bmv2/device_schedule.p4")]
    [InlineData("tofino", true, "tna/device_schedule.p4")]
    [InlineData("taurus", true, "taurus/DeviceSchedule.scala")]
    public void A_two_model_schedule_compiles_for_each_target(string target, bool packets, string program)
    {
        var result = Compile(packets ? ScheduleSpecs.Packets(target) : ScheduleSpecs.FeatureHeader(target));
        var model = result.Model!;
        var schedule = Schedules.Of(model)!;
        Assert.Empty(Schedules.Problems(model));
        Assert.Equal(3, schedule.Models.Count);
        Assert.Equal(model, ModelFileJson.Deserialize(result.Files!["model.json"]));
        Assert.Contains(program, result.Files.Keys);
        Assert.Equal(target, model.Platform.Target);
        Assert.All(model.Platform.Resources, f => Assert.True(f.Fits, f.Name));
        string report = result.Files["report.md"];
        Assert.Contains("## Combined decision (test rows)", report);
        foreach (var m in schedule.Models) Assert.Contains($"## Model '{m.Name}'", report);
        Assert.Equal(schedule.Models.Select(m => m.Name), result.Summary!.Split("; model ").Select(s => s.Substring(s.IndexOf('\'') + 1).Split('\'')[0]));
    }

    /// <summary>The vectors: every input frame, parsed and run by the BMv2 program, comes out as its expected frame.</summary>
    [Fact]
    public void Feature_header_vectors_hold_the_combined_decision_and_the_program_reproduces_them()
    {
        var result = Compile(ScheduleSpecs.FeatureHeader("bmv2"));
        var model = result.Model!;
        var input = Homunculus.Model.Packets.PcapReader.TryRead(result.Outputs!["vectors/input.pcap"], out _)!.ToList();
        var expected = Homunculus.Model.Packets.PcapReader.TryRead(result.Outputs["vectors/expected.pcap"], out _)!.ToList();
        Assert.Equal(input.Count, expected.Count);
        Assert.True(input.Count > 500);
        string program = ScheduleBmv2Tests.Program(model);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        var results = P4FeatureTransport.ResultRefs(model);
        int first = Homunculus.Compiler.Emitters.Vectors.FeaturePacket.ResultOffset(model) - results.Count + 1;
        for (int n = 0; n < input.Count; n++)
        {
            var inFrame = result.Outputs["vectors/input.pcap"].AsSpan(input[n].Offset, input[n].CapturedLength).ToArray();
            var outFrame = result.Outputs["vectors/expected.pcap"].AsSpan(expected[n].Offset, expected[n].CapturedLength).ToArray();
            var (row, _) = Homunculus.Compiler.Emitters.Vectors.FeaturePacket.Decode(model, inFrame);
            var decided = ReferenceInterpreter.Decide(model, row);
            var (values, valid) = parser.Run(inFrame);
            var env = ingress.Run(values, valid, inFrame.Length);
            for (int m = 0; m < results.Count; m++)
            {
                Assert.Equal(0, inFrame[first + m]);
                Assert.Equal(ScheduleBmv2Tests.Result(decided[m]), outFrame[first + m]);
                Assert.Equal(outFrame[first + m], env[results[m]]);
            }
            Assert.Equal(inFrame.AsSpan(0, first).ToArray(), outFrame.AsSpan(0, first).ToArray());
        }
        Assert.Contains("(did not run)", result.Files!["vectors/README.md"]);
    }

    [Fact]
    public void Taurus_program_runs_models_of_one_depth_in_parallel_with_their_own_weight_files()
    {
        var result = Compile(ScheduleSpecs.FeatureHeader("taurus", "[\"logistic\"]", ScheduleSpecs.Severity));
        string code = P4Text.StripLineComments(result.Files!["taurus/NslGuard.scala"]);
        Assert.True(P4Text.Balanced(code, '{', '}'));
        Assert.Contains("Parallel {", code);
        foreach (var name in new[] { "detect", "flood", "kind", "severity" })
        {
            Assert.Contains($"val result_{name} = ArgOut[T]", code);
            Assert.Contains($"taurus/weights/{name}/l0_weights.csv", result.Files.Keys);
        }
        Assert.Contains("val kind__out = mux((detect__out === 1.to[T]), kind__cls.value, 255.to[T])", code);
        Assert.Contains("val severity__out = mux(kind__out !== 255.to[T], severity__cls.value, 255.to[T])", code);
        Assert.Contains("kind__cls.value.to[U8]", code);
    }

    /// <summary>"severity" reads the class "kind" decides (a one-hot table keyed on kind's result field).</summary>
    [Theory]
    [InlineData("[\"logistic\"]")]
    [InlineData("[\"tree\"]")]
    public void A_model_reading_an_earlier_class_gives_the_combined_decision_on_bmv2_and_tofino(string algorithms)
    {
        string bmv2 = ScheduleSpecs.FeatureHeader("bmv2", algorithms, ScheduleSpecs.Severity);
        var model = ScheduleSpecs.Compile(bmv2);
        var severity = Schedules.Of(model)!.Models[3];
        Assert.True(severity.Input);
        Assert.Equal(new[] { "src_bytes", "count", "kind class" }, Schedules.View(model, 3).Features.Select(f => f.Name));
        var ingress = new P4IngressEvaluator(ScheduleBmv2Tests.Program(model));
        var simulator = new TnaSimulator(new TnaEmitter().Emit(model).Single(f => f.RelativePath.EndsWith(".json", StringComparison.Ordinal)).Content);
        var results = P4FeatureTransport.ResultRefs(model);
        int ran = 0;
        foreach (var row in ScheduleSpecs.TestRows(bmv2))
        {
            var expected = ReferenceInterpreter.Decide(model, row);
            var env = ingress.Run(model.Features.Select((f, i) => (P4FeatureTransport.FieldName(f), row[i])).ToDictionary(x => x.Item1, x => x.Item2));
            var state = simulator.RunEncoded(model, row);
            for (int m = 0; m < results.Count; m++)
            {
                Assert.Equal(ScheduleBmv2Tests.Result(expected[m]), env[results[m]]);
                Assert.Equal((ulong)ScheduleBmv2Tests.Result(expected[m]), state[results[m]]);
            }
            if (expected[3] != ReferenceInterpreter.NotRun) ran++;
        }
        Assert.True(ran > 100);
    }

    [Fact]
    public void Each_models_search_gets_its_share_of_the_budget_and_the_program_the_whole()
    {
        string spec = ScheduleSpecs.FeatureHeader("taurus").Replace("\"platform\": { \"target\": \"taurus\" }", "\"platform\": { \"target\": \"taurus\", \"latencyNs\": 900 }", StringComparison.Ordinal)
            .Replace("{ \"name\": \"detect\" }", "{ \"name\": \"detect\", \"share\": 0.5 }", StringComparison.Ordinal);
        var result = Compile(spec);
        var latency = result.Model!.Platform.Resources.Single(f => f.Name == "latency");
        Assert.Equal(900, latency.Budget);
        string report = result.Files!["report.md"];
        // detect: half; flood and kind: a quarter each (what the declared share leaves, split equally).
        Assert.Contains("| latency | ", report);
        Assert.Contains("<= 450 ns", report);
        Assert.Contains("<= 225 ns", report);
        Assert.Contains("<= 900 ns", report);
        // Latency adds up along the schedule: detect and flood side by side, then kind.
        var views = Schedules.Views(result.Model).Select(v => new CostModels.TaurusCostModel().Estimate(v, Spec(spec)).Single(f => f.Name == "latency").Value).ToList();
        Assert.Equal(Math.Max(views[0], views[1]) + views[2], latency.Value, 6);
    }

    private static Homunculus.Compiler.Spec.PlatformSpec Spec(string text) => Homunculus.Compiler.Spec.HSpecParser.Parse("/x/spec.hspec", text, new Diagnostics.DiagnosticBag())!.Platform;

    [Fact]
    public void A_search_writes_one_lock_file_per_model_and_a_rebuild_uses_them()
    {
        using var project = new TempProject();
        project.Spec(ScheduleSpecs.FeatureHeader("bmv2").Replace("\"seed\": 5", "\"seed\": 5, \"search\": { \"trials\": 4, \"parallel\": 1 }", StringComparison.Ordinal));
        var first = project.Compile(cache: false);
        Assert.True(first.Success, string.Join("\n", first.Diagnostics));
        foreach (var name in new[] { "detect", "flood", "kind" }) Assert.True(File.Exists(project.SpecPath + $".{name}.lock"), name);
        Assert.False(File.Exists(project.SpecPath + ".lock"));
        var second = project.Compile(cache: false);
        Assert.True(second.Success, string.Join("\n", second.Diagnostics));
        Assert.Equal(3, second.Summary!.Split("configuration from the lock file").Length - 1);
        Assert.Equal(first.Model, second.Model);
        Assert.Contains(project.SpecPath + ".kind.lock", File.ReadAllLines(Path.Combine(project.Root, "spec.deps")));
    }
}
