using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>
/// The BMv2 program of a schedule (docs/schedule.md), executed by the test's P4 evaluator, gives the reference
/// interpreter's combined decision (each model's class, 255 where it does not run) on every test row of the
/// feature-header schedule and on every test packet of the packet-field one.
/// </summary>
public sealed class ScheduleBmv2Tests
{
    internal static long Result(int decided) => decided == ReferenceInterpreter.NotRun ? Bmv2ScheduleEmitter.NotRun : decided;

    internal static string Program(ModelFile model) =>
        new Bmv2Emitter().Emit(model).Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content;

    [Fact]
    public void Feature_header_program_gives_the_combined_decision_on_every_test_row()
    {
        var model = ScheduleSpecs.Compile(ScheduleSpecs.FeatureHeader("bmv2"));
        var ingress = new P4IngressEvaluator(Program(model));
        var rows = ScheduleSpecs.TestRows(ScheduleSpecs.FeatureHeader("bmv2"));
        var results = P4FeatureTransport.ResultRefs(model);
        var ran = new int[results.Count];
        var skipped = new int[results.Count];
        foreach (var row in rows)
        {
            var env = ingress.Run(model.Features.Select((f, i) => (P4FeatureTransport.FieldName(f), row[i])).ToDictionary(x => x.Item1, x => x.Item2));
            var expected = ReferenceInterpreter.Decide(model, row);
            for (int m = 0; m < results.Count; m++)
            {
                Assert.Equal(Result(expected[m]), env[results[m]]);
                if (expected[m] == ReferenceInterpreter.NotRun) skipped[m]++; else ran[m]++;
            }
        }
        Assert.True(rows.Count > 1000);
        // "kind" runs after "detect" for attacks only: it both runs and does not run on the test rows.
        Assert.True(ran[2] > 100 && skipped[2] > 100, $"kind ran {ran[2]}, skipped {skipped[2]}");
        Assert.Equal(0, skipped[0] + skipped[1]);
    }

    [Fact]
    public void Packet_field_program_gives_the_combined_decision_on_every_test_packet()
    {
        var model = ScheduleSpecs.Compile(ScheduleSpecs.Packets("bmv2"));
        string program = Program(model);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var results = P4FeatureTransport.ResultRefs(model);
        var ran = new int[results.Count];
        int packets = 0;
        foreach (var (_, frame) in PacketFieldTests.SampleTestPackets())
        {
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, valid, frame.Length);
            var encoded = PacketFieldExtractor.Extract(fields, frame).Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
            var expected = ReferenceInterpreter.Decide(model, encoded);
            for (int m = 0; m < results.Count; m++)
            {
                Assert.True(Result(expected[m]) == env[results[m]], $"packet {packets}, model {m}: P4 {env[results[m]]}, reference {expected[m]}");
                if (expected[m] != ReferenceInterpreter.NotRun) ran[m]++;
            }
            packets++;
        }
        Assert.True(packets > 1000 && ran[2] > 50 && ran[2] < packets, $"{packets} packets, 'plug' ran for {ran[2]}");
    }

    /// <summary>Registers and all: every packet of every test capture, in capture order, a fresh switch per capture.</summary>
    [Fact]
    public void Flow_program_gives_the_combined_decision_on_every_packet_of_the_test_captures()
    {
        var model = ScheduleSpecs.Compile(ScheduleSpecs.Flows());
        Assert.True(model.KeepsFlowState);
        string program = Program(model);
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program);
        var results = P4FeatureTransport.ResultRefs(model);
        int packets = 0, undecided = 0;
        foreach (var path in System.IO.Directory.GetFiles(System.IO.Path.Combine(PacketFieldTests.SampleFolder, "data", "test"), "*.pcap", System.IO.SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            ingress.ResetRegisters();
            var reference = PacketFeaturePipeline.For(model);
            var bytes = System.IO.File.ReadAllBytes(path);
            foreach (var f in PcapReader.TryRead(bytes, out _)!)
            {
                var frame = bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
                var raw = new long[model.Features.Count];
                bool decide = reference.Observe(frame, f.TimestampMicroseconds, raw);
                var (values, valid) = parser.Run(frame);
                var env = ingress.Run(values, parser.Wide, valid, frame.Length, f.TimestampMicroseconds);
                var expected = decide
                    ? ReferenceInterpreter.Decide(model, raw.Select((v, i) => FeatureEncoder.EncodeNumber(model.Features[i], v)).ToArray())
                    : Enumerable.Repeat(ReferenceInterpreter.NotRun, results.Count).ToArray();
                for (int m = 0; m < results.Count; m++)
                    Assert.True(Result(expected[m]) == env[results[m]], $"{System.IO.Path.GetFileName(path)} packet {packets}, model {m}: P4 {env[results[m]]}, reference {expected[m]}");
                if (!decide) undecided++;
                packets++;
            }
        }
        Assert.True(packets > 1000 && undecided > 10 && undecided < packets, $"{packets} packets, {undecided} before their flow's second");
    }

    [Fact]
    public void Program_declares_each_models_names_and_gates_the_later_model()
    {
        var model = ScheduleSpecs.Compile(ScheduleSpecs.FeatureHeader("bmv2"));
        string code = P4Text.StripLineComments(Program(model));
        var header = P4Text.Fields(code, "header features_t {");
        Assert.Equal(new[] { "result_detect", "result_flood", "result_kind" }, header.Keys.Where(k => k.StartsWith("result", StringComparison.Ordinal)));
        Assert.Contains("if (h.feat.result_detect == 1) {", code);
        Assert.Contains("h.feat.result_kind = 255;", code);
        var meta = P4Text.Fields(code, "struct meta_t {");
        Assert.Contains("detect__best_cls", meta.Keys);
        Assert.Contains("kind__best_cls", meta.Keys);
        Assert.True(P4Text.Balanced(code, '{', '}'));
    }
}
