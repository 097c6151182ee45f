using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Spec;

/// <summary>One entry of the .hspec's <c>"actions"</c>: a class name and what the switch does with its packets (docs/actions.md).</summary>
public sealed record ActionSpec(string ClassName, ClassAction Action, SourceLocation ClassLocation, SourceLocation ActionLocation);

/// <summary>
/// The .hspec's per-class actions: <c>"actions": { "&lt;class&gt;": "forward" | "drop" | "cpu" | "digest" |
/// { "dscp": 0..63 } | { "port": 0..511 }, ... }</c> and <c>"cpuSession"</c> (the clone session of
/// <c>"cpu"</c> actions). Parsed with the .hspec (kinds, ranges); checked against the target before the
/// data is read and against the classes once they are known (they may come from the data).
/// </summary>
public static class ActionSpecs
{
    public const string Property = "actions";
    public const string CpuSessionProperty = "cpuSession";

    private static readonly string[] Plain = { "forward", "drop", "cpu", "digest" };
    private static readonly string[] WithValue = { "dscp", "port" };

    private static string Known => "forward, drop, cpu, digest, {\"dscp\": 0..63}, {\"port\": 0..511}";

    /// <summary>The declared actions in .hspec order (explicit "forward" included); empty without <c>"actions"</c>.</summary>
    public static IReadOnlyList<ActionSpec> Parse(JObject root, SpecReader r)
    {
        int session = r.Integer(root, CpuSessionProperty, 1, ClassAction.MaxCpuSession) ?? ClassAction.DefaultCpuSession;
        return Parse(root[Property], Property, session, r);
    }

    /// <summary>The <c>"actions"</c> of one entry of <c>"models"</c> (its own classes), with the .hspec's <c>cpuSession</c>.</summary>
    public static IReadOnlyList<ActionSpec> ParseModel(JObject entry, JObject root, SpecReader r)
    {
        if (entry[Property] is not { } token) return [];
        int session = root[CpuSessionProperty] is JValue { Type: JTokenType.Integer } v && (long)v >= 1 && (long)v <= ClassAction.MaxCpuSession
            ? (int)(long)v : ClassAction.DefaultCpuSession;
        return Parse(token, "models[]." + Property, session, r);
    }

    private static IReadOnlyList<ActionSpec> Parse(JToken? token, string what, int session, SpecReader r)
    {
        var result = new List<ActionSpec>();
        if (token is null) return result;
        if (token is not JObject obj)
        {
            r.WrongType(token, what, "an object mapping class names to actions");
            return result;
        }
        foreach (var property in obj.Properties())
        {
            var action = ParseAction(property.Value, $"{what}.{property.Name}", session, r);
            if (action is not null) result.Add(new ActionSpec(property.Name, action, r.Loc(property), r.Loc(property.Value)));
        }
        return result;
    }

    private static ClassAction? ParseAction(JToken value, string what, int session, SpecReader r)
    {
        if (value is JValue { Type: JTokenType.String })
        {
            string name = (string)value!;
            switch (name)
            {
                case "forward": return new ClassAction { Kind = ClassActionKind.Forward };
                case "drop": return new ClassAction { Kind = ClassActionKind.Drop };
                case "cpu": return new ClassAction { Kind = ClassActionKind.Cpu, Value = session };
                case "digest": return new ClassAction { Kind = ClassActionKind.Digest };
            }
            if (WithValue.Contains(name))
                r.Diagnostics.Report(DiagnosticCatalog.UnknownAction, r.Loc(value), name, $" on its own; write {{\"{name}\": <number>}}");
            else
                r.Diagnostics.Report(DiagnosticCatalog.UnknownAction, r.Loc(value), name, Suggestion(name, Plain.Concat(WithValue)));
            return null;
        }
        if (value is not JObject obj)
        {
            r.WrongType(value, what, "an action: " + Known);
            return null;
        }
        if (obj.Count != 1)
        {
            r.Invalid<object?>(obj, what, "must hold exactly one action, {\"dscp\": n} or {\"port\": n}", null);
            return null;
        }
        var single = obj.Properties().Single();
        switch (single.Name)
        {
            case "dscp":
                return r.IntegerValue(single.Value, what + ".dscp", 0, ClassAction.MaxDscp) is int dscp ? new ClassAction { Kind = ClassActionKind.Dscp, Value = dscp } : null;
            case "port":
                return r.IntegerValue(single.Value, what + ".port", 0, ClassAction.MaxPort) is int port ? new ClassAction { Kind = ClassActionKind.Port, Value = port } : null;
        }
        string hint = Plain.Contains(single.Name) ? $"; \"{single.Name}\" takes no value: write \"{single.Name}\"" : Suggestion(single.Name, WithValue);
        r.Diagnostics.Report(DiagnosticCatalog.UnknownAction, r.Loc(single), single.Name, hint);
        return null;
    }

    private static string Suggestion(string name, IEnumerable<string> known)
    {
        string? close = known.FirstOrDefault(k => string.Equals(k, name, System.StringComparison.OrdinalIgnoreCase))
            ?? known.FirstOrDefault(k => SpecReader.EditDistance(k, name) <= 2);
        return close is null ? $" (actions: {Known})" : $"; did you mean '{close}'?";
    }

    /// <summary>Actions the target's generated program cannot carry out (HMC2030), before any data is read.</summary>
    public static void CheckTarget(HSpec spec, DiagnosticBag diagnostics)
    {
        bool packetFields = spec.Features.Any(f => f.Field is not null);
        foreach (var a in spec.Actions.Concat(spec.Models.SelectMany(m => m.Actions)))
        {
            if (a.Action.Kind == ClassActionKind.Forward) continue;
            string? reason = spec.Platform.Target switch
            {
                "taurus" => "the Spatial program computes the class only; what happens to the packet is up to the switch pipeline around it",
                "tofino" when a.Action.Kind == ClassActionKind.Dscp => "the Tofino code generator does not rewrite the DSCP yet",
                _ when a.Action.Kind == ClassActionKind.Dscp && !packetFields =>
                    "setting the DSCP needs the IPv4 or IPv6 header, which only programs whose features are packet fields (pcap data, docs/packet-features.md) parse; a feature packet carries the feature header instead",
                _ => null,
            };
            if (reason is not null)
                diagnostics.Report(DiagnosticCatalog.ActionNotOnTarget, a.ActionLocation, a.Action.ToString(), a.ClassName, spec.Platform.Target, reason);
        }
    }

    /// <summary>Every action names a class of the model (HMC0030); the classes may come from the data.</summary>
    public static void CheckClasses(HSpec spec, IReadOnlyList<ClassInfo> classes, DiagnosticBag diagnostics) =>
        CheckClasses(spec.Actions, classes, diagnostics);

    /// <summary>Every action of <paramref name="actions"/> names one of <paramref name="classes"/> (HMC0030): a model of a schedule's own.</summary>
    public static void CheckClasses(IReadOnlyList<ActionSpec> actions, IReadOnlyList<ClassInfo> classes, DiagnosticBag diagnostics)
    {
        foreach (var a in actions)
        {
            if (!classes.Any(c => c.Name == a.ClassName))
                diagnostics.Report(DiagnosticCatalog.UnknownActionClass, a.ClassLocation, a.ClassName, string.Join(", ", classes.Select(c => c.Name)));
        }
    }

    /// <summary>The model with each class's action; "forward" stays absent, so a model without actions is unchanged.</summary>
    public static ModelFile Apply(ModelFile model, IReadOnlyList<ActionSpec> actions)
    {
        if (actions.Count == 0) return model;
        return model with { Classes = Apply(model.Classes, actions) };
    }

    /// <summary>The classes with each one's action (a model of a schedule: its own classes and actions).</summary>
    public static EquatableArray<ClassInfo> Apply(EquatableArray<ClassInfo> classes, IReadOnlyList<ActionSpec> actions)
    {
        if (actions.Count == 0) return classes;
        return classes.Select(c =>
        {
            var declared = actions.LastOrDefault(a => a.ClassName == c.Name)?.Action;
            return c with { Action = declared is { Kind: not ClassActionKind.Forward } ? declared : null };
        }).ToEquatableArray();
    }
}
