using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>
/// The Tofino lowering of a schedule (docs/schedule.md): each model lowered as a program of its own (its view), then
/// renamed into the schedule - its metadata, tables, actions and step groups get the prefix <c>&lt;model&gt;__</c>, its
/// class input reads the earlier model's result field, and its class goes to its own result field - and the models'
/// programs concatenated in schedule order, so the stage allocator sees every dependency between them. A Tofino
/// pipeline runs every table for every packet: a model that runs after another computes its class anyway, and a gate
/// (an exact table on the earlier model's result, then a gateway) writes that class or 255 into its result field.
/// </summary>
internal static class TnaScheduleLowering
{
    /// <summary>What a model that does not run leaves in its result field.</summary>
    public const ulong NotRun = Bmv2ScheduleEmitter.NotRun;

    public static string? CannotLower(ModelFile file)
    {
        if (Schedules.Problems(file) is { Count: > 0 } problems) return "the schedule is inconsistent: " + string.Join("; ", problems);
        var schedule = Schedules.Of(file)!;
        for (int m = 0; m < schedule.Models.Count; m++)
            if (TnaLowering.CannotLowerBody(Schedules.View(file, m)) is { } reason) return $"model '{schedule.Models[m].Name}': {reason}";
        return null;
    }

    public static TnaLoweringResult Lower(ModelFile file, TofinoResources resources)
    {
        var schedule = Schedules.Of(file)!;
        var metadata = new List<TnaField>();
        var tables = new List<TnaTable>();
        var steps = new List<TnaStep>();
        var notes = new List<string>();
        var lowerings = new List<string>();
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            var model = schedule.Models[m];
            var view = Schedules.View(file, m);
            var lowered = TnaLowering.LowerBody(view, resources);
            if (lowered.Program is not { } program) return lowered with { Problem = $"model '{model.Name}': {lowered.Problem}" };
            var scope = P4Scope.InSchedule(file, m);
            int after = schedule.AfterIndex(model);
            // A gated model's class goes to a field of its own; the gate then writes it, or 255, into the result.
            string classField = after < 0 ? scope.Result : "m." + scope.Name("cls");
            var renamed = Rename(program, view, scope, classField);
            metadata.AddRange(renamed.Metadata);
            tables.AddRange(renamed.Tables);
            steps.AddRange(renamed.Steps);
            lowerings.Add($"'{model.Name}': {program.Lowering}");
            notes.AddRange(program.Notes.Select(n => $"model '{model.Name}': {n}"));
            if (after < 0) continue;

            string gate = "m." + scope.Name("gate");
            metadata.Add(new TnaField(classField, P4FeatureTransport.ResultBits, $"model '{model.Name}': its class, before the gate"));
            metadata.Add(new TnaField(gate, 1, $"model '{model.Name}': 1 when it runs (its earlier model decided one of its classes)"));
            var earlier = schedule.Models[after];
            var classes = model.When.Count > 0 ? model.When.ToList() : Enumerable.Range(0, earlier.Classes.Count).ToList();
            var action = new TnaAction(scope.Name("set_gate"), new[] { new TnaParam("run", 1) }, new[] { (gate, "run") });
            string earlierResult = P4FeatureTransport.ResultRef(file, after);
            var entries = classes.Select(c => new TnaEntry(new[] { ((ulong)c, 0xFFUL) }, action.Name, new[] { 1UL })).ToList();
            tables.Add(new TnaTable(scope.Name("gate"), $"model '{model.Name}': runs when '{earlier.Name}' decides class {string.Join(" or ", classes)}",
                new[] { new TnaKey(earlierResult, TnaMatch.Exact, P4FeatureTransport.ResultBits) }, action, entries, new[] { 0UL }) { Ranges = entries.Count });
            steps.Add(new TnaApply(scope.Name("gate")));
            steps.Add(new TnaPick(scope.Name("gate_result"), gate, new[] { (scope.Result, TnaOperand.Of(classField), TnaOperand.Const(NotRun)) }));
            notes.Add($"model '{model.Name}': its tables run for every packet; a gate table on the class of '{earlier.Name}' keeps its class or writes {NotRun} (did not run)");
        }
        return new TnaLoweringResult(new TnaProgram
        {
            Lowering = "schedule of " + string.Join(", ", lowerings),
            Notes = notes,
            Metadata = metadata,
            Tables = tables,
            Steps = steps,
        }, null, 0, 0);
    }

    /// <summary>
    /// A model's program under its names in the schedule: its own fields, tables, actions and step groups prefixed,
    /// its class input read from the earlier model's result, its class written to <paramref name="classField"/>.
    /// </summary>
    private static TnaProgram Rename(TnaProgram program, ModelFile view, P4Scope scope, string classField)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in program.Metadata) fields[f.Name] = "m." + scope.Name(f.Name.Substring(2));
        for (int i = 0; i < view.Features.Count; i++) fields[P4FeatureTransport.FieldRef(view.Features[i])] = scope.Fields[i];
        fields[P4FeatureTransport.ResultRef(view)] = classField;
        string Field(string name) => fields.TryGetValue(name, out var mapped) ? mapped : name;
        TnaOperand Operand(TnaOperand o) => o.Field is { } f ? TnaOperand.Of(Field(f)) : o;
        TnaAction Action(TnaAction a) => a with { Name = scope.Name(a.Name), Sets = a.Sets.Select(s => (Field(s.Field), s.Param)).ToList() };
        return program with
        {
            Metadata = program.Metadata.Select(f => f with { Name = Field(f.Name) }).ToList(),
            Tables = program.Tables.Select(t => t with
            {
                Name = scope.Name(t.Name),
                Keys = t.Keys.Select(k => k with { Field = Field(k.Field) }).ToList(),
                Action = Action(t.Action),
                Entries = t.Entries.Select(e => e with { Action = scope.Name(e.Action) }).ToList(),
            }).ToList(),
            Steps = program.Steps.Select(s => s switch
            {
                TnaApply a => (TnaStep)new TnaApply(scope.Name(a.Table)),
                TnaAdd a => new TnaAdd(scope.Name(a.Unit), Field(a.Dst), Operand(a.A), Operand(a.B)),
                TnaSatSub a => new TnaSatSub(scope.Name(a.Unit), Field(a.Dst), Operand(a.A), Operand(a.B)),
                TnaSet a => new TnaSet(scope.Name(a.Unit), Field(a.Dst), Operand(a.Src)),
                TnaPick a => new TnaPick(scope.Name(a.Unit), Field(a.Test), a.Assign.Select(x => (Field(x.Dst), Operand(x.Then), Operand(x.Else))).ToList()),
                _ => throw new NotSupportedException($"step {s.GetType().Name} in a model's own program"),
            }).ToList(),
        };
    }
}
