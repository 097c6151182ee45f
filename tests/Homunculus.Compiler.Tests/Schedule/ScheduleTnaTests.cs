using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Compiler.Tests.Tna;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>
/// The Tofino program of a schedule (docs/schedule.md), run from its entries JSON by the test's TNA simulator (and,
/// for packet fields, its parser by the P4 evaluator), gives the reference interpreter's combined decision on every
/// test row and every test packet; the stage allocator sees the later model's dependency on the earlier one.
/// </summary>
public sealed class ScheduleTnaTests
{
    private static readonly Dictionary<string, int> Intrinsic = new(StringComparer.Ordinal) { ["ig_md"] = 64, ["PORT_METADATA_SIZE"] = 64 };

    private static (string P4, string Json) Emit(ModelFile model)
    {
        var files = new TnaEmitter().Emit(model);
        return (files.Single(f => f.RelativePath.EndsWith(".p4", StringComparison.Ordinal)).Content, files.Single(f => f.RelativePath.EndsWith("_entries.json", StringComparison.Ordinal)).Content);
    }

    [Fact]
    public void Feature_header_program_gives_the_combined_decision_on_every_test_row()
    {
        string spec = ScheduleSpecs.FeatureHeader("tofino");
        var model = ScheduleSpecs.Compile(spec);
        var simulator = new TnaSimulator(Emit(model).Json);
        var results = P4FeatureTransport.ResultRefs(model);
        int skipped = 0;
        foreach (var row in ScheduleSpecs.TestRows(spec))
        {
            var state = simulator.RunEncoded(model, row);
            var expected = ReferenceInterpreter.Decide(model, row);
            for (int m = 0; m < results.Count; m++) Assert.Equal((ulong)ScheduleBmv2Tests.Result(expected[m]), state[results[m]]);
            if (expected[2] == ReferenceInterpreter.NotRun) skipped++;
        }
        Assert.Equal(0, simulator.Overlaps);
        Assert.True(skipped > 100);
    }

    [Fact]
    public void Packet_field_program_gives_the_combined_decision_on_every_test_packet()
    {
        var model = ScheduleSpecs.Compile(ScheduleSpecs.Packets("tofino"));
        var (p4, json) = Emit(model);
        var parser = new P4ParserEvaluator(p4, "IgParser", Intrinsic);
        var simulator = new TnaSimulator(json);
        var fields = model.Features.Select(f => PacketFields.Find(f.Field)!).ToList();
        var results = P4FeatureTransport.ResultRefs(model);
        int packets = 0;
        foreach (var (_, frame) in PacketFieldTests.SampleTestPackets())
        {
            var (values, valid) = parser.Run(new byte[Intrinsic.Values.Sum() / 8].Concat(frame).ToArray());
            var state = simulator.Run(values, valid);
            var encoded = PacketFieldExtractor.Extract(fields, frame).Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray();
            var expected = ReferenceInterpreter.Decide(model, encoded);
            for (int m = 0; m < results.Count; m++)
                Assert.True((ulong)ScheduleBmv2Tests.Result(expected[m]) == state[results[m]], $"packet {packets}, model {m}: TNA {state[results[m]]}, reference {expected[m]}");
            packets++;
        }
        Assert.True(packets > 1000);
        Assert.Equal(0, simulator.Overlaps);
    }

    [Fact]
    public void Later_model_is_gated_on_the_earlier_ones_result_and_placed_after_it()
    {
        var model = ScheduleSpecs.Compile(ScheduleSpecs.FeatureHeader("tofino"));
        var program = TnaLowering.Lower(model).Program!;
        Assert.All(program.Tables, t => Assert.Matches("^(detect|flood|kind)__", t.Name));
        var gate = program.Table("kind__gate");
        Assert.Equal("h.feat.result_detect", gate.Keys.Single().Field);
        var allocation = TnaLowering.Allocate(model, program, TofinoResources.Default);
        int Last(string prefix) => allocation.Placements.Where(p => p.Table.Name.StartsWith(prefix, StringComparison.Ordinal) && !p.Table.Name.Contains("gate", StringComparison.Ordinal)).Max(p => p.Stage);
        Assert.True(allocation.StageOf("kind__gate") > Last("detect__"), "the gate reads the class 'detect' writes last");
        string code = P4Text.StripLineComments(Emit(model).P4);
        Assert.Contains("kind__gate.apply();", code);
        Assert.Contains("bit<8> result_kind;", code);
    }
}
