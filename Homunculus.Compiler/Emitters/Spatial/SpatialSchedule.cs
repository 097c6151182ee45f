using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Spatial;

/// <summary>
/// The Taurus (Spatial) program of a schedule (docs/schedule.md): one ArgIn per shared feature, one ArgOut per model,
/// and one Accel in which each model's code - exactly as in a program of its own, inside a controller of its own so
/// its memories and values stay local, with its weight files in a folder of its own - writes its class into a
/// register. Models at the same depth of the schedule (none reads another's class) run side by side in a
/// <c>Parallel</c> block, depths one after the other, as the Taurus cost model counts the latency. A last stage turns
/// the registers into the combined decision: a model whose earlier model did not decide one of its classes gets 255.
/// </summary>
internal static class SpatialSchedule
{
    private sealed record Part(ScheduledModel Model, ModelFile View, SpatialScope Scope, IReadOnlyList<SpatialEmitter.OneHotGroup> Groups);

    public static bool Supports(ModelFile file, SpatialEmitter single) =>
        Schedules.Problems(file).Count == 0 && SpatialPacketFields.Supports(file)
        && Schedules.Views(file).All(v => v.Model is not ScheduleModel && single.Supports(v));

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Snake(ScheduledModel model) => Identifiers.Snake(model.Name);

    private static string Class(ScheduledModel model) => Snake(model) + "__cls";

    private static string Out(ScheduledModel model) => Snake(model) + "__out";

    public static IReadOnlyList<GeneratedFile> Emit(ModelFile file, SpatialEmitter single)
    {
        if (!Supports(file, single)) throw new NotSupportedException("the taurus target cannot run every model of this schedule");
        var schedule = Schedules.Of(file)!;
        SpatialEmitter.CheckDistinctNames(file);
        var parts = new List<Part>();
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            var model = schedule.Models[m];
            var view = Schedules.View(file, m);
            var values = model.Features.Select(f => SpatialEmitter.Field(file.Features[f]) + ".value").ToList();
            if (model.Input) values.Add($"{Class(schedule.Models[schedule.AfterIndex(model)])}.value.to[{SpatialEmitter.FieldType(view.Features[^1])}]");
            var scope = new SpatialScope($"{SpatialEmitter.WeightsFolder}/{Snake(model)}", values, Class(model));
            if (view.Model is MlpModel mlp) SpatialEmitter.CheckShape(view, mlp);
            parts.Add(new Part(model, view, scope, view.Model is MlpModel network ? SpatialEmitter.OneHotGroup.Build(view, network, scope) : []));
        }
        string objectName = SpatialEmitter.ObjectName(file.Name);
        var results = parts.Select(p => (P4FeatureTransport.ResultField + "_" + Snake(p.Model), $"class index of model '{Escaping.Comment(p.Model.Name)}' (255: it did not run)", Snake(p.Model))).ToList();
        var types = parts.Any(p => p.View.Model is MlpModel) ? SpatialEmitter.NetworkTypes : new[] { "type T = FixPt[TRUE, _32, _0]   // scores: 32-bit signed integers" };
        var description = new List<string>
        {
            "Taurus MapReduce block, in Spatial: a schedule of several models (docs/schedule.md) on the same feature values.",
            "Each model computes as a program of its own would (integer semantics of the reference interpreter) inside",
            "its own controller; models at one depth of the schedule run in parallel. A model that does not run for the",
            "packet (its earlier model decided another class) gets class 255. Weight files are read from ./weights/<model>.",
        };
        description.AddRange(Bmv2ScheduleEmitter.Describe(file, schedule));
        string program = SpatialEmitter.WriteApp(file, objectName, description, types, w => WriteAccel(w, file, schedule, parts), results);
        var files = new List<GeneratedFile> { new($"{single.Target}/{objectName}.scala", program) };
        foreach (var part in parts.Where(p => p.View.Model is MlpModel))
            files.AddRange(single.WeightFiles((MlpModel)part.View.Model, part.Groups, part.Scope));
        return files;
    }

    private static void WriteAccel(CodeWriter w, ModelFile file, ScheduleModel schedule, IReadOnlyList<Part> parts)
    {
        foreach (var part in parts) w.Line($"val {Class(part.Model)} = Reg[T](0.to[T])   // the class model '{Escaping.Comment(part.Model.Name)}' computes");
        var depths = schedule.Depths();
        foreach (var level in Enumerable.Range(0, parts.Count).GroupBy(m => depths[m]).OrderBy(g => g.Key))
        {
            w.Line();
            var models = level.ToList();
            IDisposable? together = models.Count > 1 ? w.Block("Parallel {") : null;
            foreach (int m in models) WriteModel(w, parts[m]);
            together?.Dispose();
        }
        w.Line();
        w.Line("// the combined decision: each model's class, 255 where the model it runs after did not decide one of its classes");
        using (w.Block("Pipe {"))
        {
            foreach (var part in parts)
            {
                int after = schedule.AfterIndex(part.Model);
                if (after < 0)
                {
                    w.Line($"val {Out(part.Model)} = {Class(part.Model)}.value");
                    continue;
                }
                string earlier = Out(schedule.Models[after]);
                string gate = part.Model.When.Count == 0 ? $"{earlier} !== {I(Bmv2ScheduleEmitter.NotRun)}.to[T]"
                    : string.Join(" || ", part.Model.When.Select(c => $"({earlier} === {I(c)}.to[T])"));
                w.Line($"val {Out(part.Model)} = mux({gate}, {Class(part.Model)}.value, {I(Bmv2ScheduleEmitter.NotRun)}.to[T])");
            }
            foreach (var part in parts) w.Line($"{P4FeatureTransport.ResultField}_{Snake(part.Model)} := {Out(part.Model)}");
        }
    }

    private static void WriteModel(CodeWriter w, Part part)
    {
        w.Line($"// model '{Escaping.Comment(part.Model.Name)}' ({Escaping.Comment(part.Model.Algorithm)})");
        if (part.View.Model is MlpModel mlp)
        {
            using (w.Block("Sequential {")) SpatialEmitter.WriteBody(w, part.View, mlp, part.Groups, part.Scope);
            return;
        }
        using (w.Block("Pipe {")) SpatialTreeLowering.WriteBody(w, part.View, (TreeEnsembleModel)part.View.Model, part.Scope);
    }
}
