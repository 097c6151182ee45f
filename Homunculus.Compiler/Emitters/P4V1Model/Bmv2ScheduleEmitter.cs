using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// The BMv2 program of a schedule (docs/schedule.md): one parser and one feature extraction (the feature header, or
/// the packet and flow fields) for every model, then each model's code exactly as in a program of its own, under its
/// own names (<see cref="P4Scope.InSchedule"/>), in schedule order. A model that runs after another is inside an
/// <c>if</c> on that model's result; each model's class goes to its own result field, and one that does not run
/// leaves 255 there.
/// </summary>
internal static class Bmv2ScheduleEmitter
{
    /// <summary>The class a model that did not run leaves in its result field.</summary>
    public const int NotRun = P4FlowState.NoDecision;

    /// <summary>One model of the schedule as the program writes it.</summary>
    private sealed record Part(ScheduledModel Model, ModelFile View, P4Scope Scope, IReadOnlyList<OneHotTable> Tables);

    public static bool Supports(ModelFile file, Bmv2Emitter single) =>
        Schedules.Problems(file).Count == 0 && Schedules.Views(file).All(v => v.Model is not ScheduleModel && single.Supports(v));

    public static IReadOnlyList<GeneratedFile> Emit(ModelFile file, Bmv2Emitter single)
    {
        if (!Supports(file, single)) throw new NotSupportedException("the bmv2 target cannot run every model of this schedule");
        var schedule = Schedules.Of(file)!;
        P4FeatureTransport.CheckDistinctNames(file);
        var parts = new List<Part>();
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            var view = Schedules.View(file, m);
            var scope = P4Scope.InSchedule(file, m);
            if (view.Model is MlpModel mlp) MlpShape.Check(view, mlp);
            parts.Add(new Part(schedule.Models[m], view, scope, view.Model is MlpModel network ? OneHotTable.Build(view, network, scope) : Array.Empty<OneHotTable>()));
        }
        string baseName = Identifiers.Snake(file.Name);
        var files = new List<GeneratedFile> { new($"{single.Target}/{baseName}.p4", WriteProgram(file, schedule, parts)) };
        var tables = parts.SelectMany(p => p.Tables).ToList();
        if (tables.Count > 0) files.Add(new GeneratedFile($"{single.Target}/{baseName}.commands.txt", Bmv2Emitter.WriteCommands(file, tables)));
        return files;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The condition under which a model runs: its earlier model ran (and, with "when", decided one of those classes); null: always.</summary>
    public static string? Gate(ModelFile file, ScheduleModel schedule, ScheduledModel model)
    {
        int after = schedule.AfterIndex(model);
        if (after < 0) return null;
        string result = P4FeatureTransport.ResultRef(file, after);
        return model.When.Count == 0 ? $"{result} != {I(NotRun)}" : string.Join(" || ", model.When.Select(c => $"{result} == {I(c)}"));
    }

    /// <summary>One comment line per model: what it is, when it runs, its classes.</summary>
    public static IEnumerable<string> Describe(ModelFile file, ScheduleModel schedule)
    {
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            var model = schedule.Models[m];
            var view = Schedules.View(file, m);
            string runs = "runs for every packet";
            if (model.After is { } after)
            {
                var earlier = schedule.Models[schedule.AfterIndex(model)];
                runs = model.When.Count == 0 ? $"runs after '{Escaping.Comment(after)}'"
                    : $"runs after '{Escaping.Comment(after)}' when it decides {string.Join(" or ", model.When.Select(c => $"'{Escaping.Comment(earlier.Classes[c].Name)}'"))}";
                if (model.Input) runs += ", reading its class";
            }
            yield return $"model {I(m)} '{Escaping.Comment(model.Name)}' ({Escaping.Comment(model.Algorithm)}, {I(view.Features.Count)} features): {runs}; classes "
                + string.Join(", ", model.Classes.Select((c, i) => $"{I(i)} '{Escaping.Comment(c.Name)}'"));
        }
    }

    private static string WriteProgram(ModelFile file, ScheduleModel schedule, IReadOnlyList<Part> parts)
    {
        var w = new CodeWriter();
        GeneratedHeader.Write(w, Bmv2Emitter.GeneratorName, file);
        if (file.ReadsPacketFields)
        {
            w.Line("// BMv2 simple_switch (v1model). The features are standard packet fields (docs/packet-features.md);");
            w.Line("// every packet gets each model's class index in its m.result_<model> field and goes back out of the port it came in on.");
        }
        else
        {
            w.Line("// BMv2 simple_switch (v1model). Feature packets (EtherType 0x88B5) get each model's class index in its");
            w.Line("// h.feat.result_<model> field; every packet goes back out of the port it came in on.");
        }
        w.Line($"// A schedule of {I(parts.Count)} models (docs/schedule.md): the features are extracted once for all of them, then each");
        w.Line("// model runs in schedule order with names of its own; a model that does not run leaves 255 in its result field.");
        foreach (var line in Describe(file, schedule)) w.Line("// " + line);
        w.Line();
        Bmv2Emitter.WriteV1Model(w, file,
            () =>
            {
                foreach (var part in parts)
                {
                    w.Line($"// model '{Escaping.Comment(part.Model.Name)}'");
                    if (part.View.Model is MlpModel mlp) Bmv2Emitter.WriteMetadata(w, part.View, mlp, part.Scope);
                    else Bmv2TreeLowering.WriteMetadata(w, (TreeEnsembleModel)part.View.Model, part.Scope);
                }
            },
            () =>
            {
                foreach (var part in parts) Bmv2Emitter.WriteDeclarations(w, part.View, part.Tables);
            },
            () =>
            {
                // With flow state every result starts at 255 already (no decision before the classification point).
                if (!file.KeepsFlowState)
                    foreach (var part in parts.Where(p => p.Model.After is not null)) w.Line($"{part.Scope.Result} = {I(NotRun)};   // until '{Escaping.Comment(part.Model.Name)}' runs");
                foreach (var part in parts)
                {
                    w.Line($"// model '{Escaping.Comment(part.Model.Name)}'");
                    IDisposable? gate = Gate(file, schedule, part.Model) is { } condition ? w.Block($"if ({condition}) {{") : null;
                    if (part.View.Model is MlpModel mlp) Bmv2Emitter.WriteApply(w, part.View, mlp, part.Tables, part.Scope);
                    else Bmv2TreeLowering.WriteApply(w, part.View, (TreeEnsembleModel)part.View.Model, part.Scope);
                    gate?.Dispose();
                }
            });
        return w.ToString();
    }
}
