using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Vectors;

/// <summary>
/// Test vectors of a schedule on the feature header (docs/schedule.md, docs/test-vectors.md): the same feature packets
/// as for one model, whose header ends with one result byte per model; <c>expected.pcap</c> holds each model's class
/// from <see cref="ReferenceInterpreter.Decide"/>, 255 for a model that does not run. Every frame comes back unless the
/// models' actions drop it or send it out of another port (<see cref="ClassActions.Fate(ModelFile, IReadOnlyList{int}, int)"/>).
/// A schedule on packet fields gets no vectors yet.
/// </summary>
internal static class ScheduleVectors
{
    public static bool Supports(ModelFile model) =>
        !model.ReadsPacketFields && model.Features.Count > 0 && Schedules.Problems(model).Count == 0
        && Schedules.Of(model)!.Models.All(m => m.Classes.Count is > 0 and < (int)Bmv2ScheduleEmitter.NotRun);

    public static IReadOnlyList<GeneratedFile> Emit(ModelFile model, VectorRows rows)
    {
        var schedule = Schedules.Of(model)!;
        var input = new List<Pcap.Record>(rows.Rows.Count);
        var expected = new List<Pcap.Record>(rows.Rows.Count);
        var counts = schedule.Models.Select(m => new int[m.Classes.Count + 1]).ToArray();   // the last: did not run
        var none = new byte[schedule.Models.Count];
        for (int i = 0; i < rows.Rows.Count; i++)
        {
            var row = rows.Rows[i];
            var decided = ReferenceInterpreter.Decide(model, row);
            var results = decided.Select(c => c == ReferenceInterpreter.NotRun ? (byte)Bmv2ScheduleEmitter.NotRun : (byte)c).ToArray();
            for (int m = 0; m < decided.Length; m++) counts[m][decided[m] == ReferenceInterpreter.NotRun ? counts[m].Length - 1 : decided[m]]++;
            uint seconds = (uint)(i / 1000), micros = (uint)(i % 1000 * 1000);
            input.Add(new Pcap.Record(seconds, micros, FeaturePacket.Encode(model, row, none)));
            var fate = ClassActions.Fate(model, decided, VectorsEmitter.HarnessPort);
            if (!fate.Dropped && fate.EgressPort == VectorsEmitter.HarnessPort) expected.Add(new Pcap.Record(seconds, micros, FeaturePacket.Encode(model, row, results)));
        }
        return new[]
        {
            GeneratedFile.Binary(VectorsEmitter.InputFile, Pcap.Write(input)),
            GeneratedFile.Binary(VectorsEmitter.ExpectedFile, Pcap.Write(expected)),
            new GeneratedFile(VectorsEmitter.ReadmeFile, Readme(model, schedule, rows.Rows.Count, counts, expected.Count)),
        };
    }

    private static string Readme(ModelFile model, ScheduleModel schedule, int count, int[][] counts, int back)
    {
        var inv = CultureInfo.InvariantCulture;
        string p4 = Identifiers.Snake(model.Name);
        int first = FeaturePacket.ResultOffset(model) - schedule.Models.Count + 1;
        var w = new CodeWriter();
        VectorsEmitter.ReadmeTitle(w, model);
        w.Line();
        w.Line(string.Create(inv, $"`input.pcap` holds {count} feature packets, one per test row (the first {count} rows of the test set, at most {VectorRows.MaxRows}), encoded as docs/feature-header.md says, with one result byte per model of the schedule (docs/schedule.md), all 0. `expected.pcap` holds the same frames with the result bytes (bytes {first}..{FeaturePacket.ResultOffset(model)} of the frame, in schedule order) set to each model's class as the reference interpreter (and the C# stub's Decide) gives it, 255 for a model that does not run for the packet. Classic libpcap files, Ethernet link type, frame i stamped i ms after the epoch."));
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            var scheduled = schedule.Models[m];
            w.Line();
            w.Line(string.Create(inv, $"Model '{VectorsEmitter.Text(scheduled.Name)}' (`{P4FeatureTransport.ResultFields(model)[m]}`, byte {first + m}):"));
            w.Line();
            w.Line("| index | class | packets |");
            w.Line("|---|---|---|");
            for (int c = 0; c < scheduled.Classes.Count; c++) w.Line(string.Create(inv, $"| {c} | {VectorsEmitter.Text(scheduled.Classes[c].Name)} | {counts[m][c]} |"));
            w.Line(string.Create(inv, $"| {Bmv2ScheduleEmitter.NotRun} | (did not run) | {counts[m][^1]} |"));
        }
        w.Line();
        w.Line("## BMv2 (simple_switch), offline");
        w.Line();
        VectorsEmitter.Bmv2Replay(w, p4);
        w.Line();
        w.Line("The program returns every packet on the port it came in on, with the result bytes written; everything else is unchanged, so the output capture must equal `expected.pcap` frame for frame.");
        if (ClassActions.Any(model))
        {
            w.Line();
            w.Line(string.Create(inv, $"Per-class actions of the models (docs/schedule.md) apply: a packet one of the models that ran drops, or whose last port set is not {VectorsEmitter.HarnessPort}, does not come back, so `expected.pcap` holds the {back} of the {count} packets that do; copies to the CPU and digests do not appear on port {VectorsEmitter.HarnessPort}."));
        }
        return w.ToString();
    }
}
