using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Spec;

/// <summary>The .hspec's <c>"models"</c>: several models on one switch (docs/schedule.md).</summary>
public sealed partial class HSpecParser
{
    public const string ModelsProperty = "models";

    private static readonly string[] ModelProperties = { "name", "features", "classes", "algorithms", "model", "share", "after", "when", "input", ActionSpecs.Property };

    /// <summary>The schedule in schedule order (each model after the one it follows); empty without "models".</summary>
    private IReadOnlyList<ModelSpec> ParseModels(JObject root, IReadOnlyList<FeatureSpec> features, IReadOnlyList<ClassSpec>? dataClasses, IReadOnlyList<string> algorithms, IReadOnlyList<ActionSpec> actions)
    {
        if (root[ModelsProperty] is not { } token) return [];
        if (token is not JArray array)
        {
            _r.WrongType(token, ModelsProperty, "an array of models");
            return [];
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(array), ModelsProperty, "must list at least one model");
        if (actions.Count > 0 && root[ActionSpecs.Property] is { } actionsToken)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(actionsToken), ActionSpecs.Property,
                "cannot be combined with \"models\": each model declares the actions of its own classes in its entry of \"models\" (docs/schedule.md)");

        var inherited = new Dictionary<string, JObject>();
        if (root["model"] is JObject topModel)
            foreach (var property in topModel.Properties())
                if (property.Value is JObject settings) inherited[property.Name] = settings;
        var topExplicit = inherited.Keys.ToHashSet();

        var drafts = new List<(ModelSpec Spec, JToken? ShareToken, double? Share)>();
        foreach (var item in array)
        {
            if (item is not JObject obj)
            {
                _r.WrongType(item, ModelsProperty + "[]", "an object {\"name\": ..., \"after\": ..., ...}");
                continue;
            }
            _r.CheckProperties(obj, ModelProperties, "models[].");
            var nameToken = _r.Required<JValue>(obj, "name", "a string", "models[].");
            if (nameToken is null) continue;
            string name = _r.String(nameToken, "models[].name");
            if (name.Trim().Length == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(nameToken), "models[].name", "must not be empty");

            var modelFeatures = ModelFeatures(obj, name, features);
            List<ClassSpec>? classes = null;
            if (obj["classes"] is JObject classObject) classes = ParseClasses(classObject, "models[].classes");
            else if (obj["classes"] is { } badClasses) _r.WrongType(badClasses, "models[].classes", "an object mapping class names to label values");
            var modelAlgorithms = ParseAlgorithms(obj, "models[].", algorithms);
            var settings = ParseModel(obj, modelAlgorithms, "models[].", inherited);
            var explicitSettings = new HashSet<string>(topExplicit);
            if (obj["model"] is JObject own) explicitSettings.UnionWith(own.Properties().Select(p => p.Name));

            string? after = null;
            SourceLocation? afterLocation = null;
            if (obj["after"] is { } afterToken)
            {
                after = _r.String(afterToken, "models[].after");
                afterLocation = _r.Loc(afterToken);
            }
            var when = new List<(string, SourceLocation)>();
            if (obj["when"] is { } whenToken)
            {
                IEnumerable<JToken> items = whenToken is JArray whenArray ? whenArray : [whenToken];
                foreach (var c in items) when.Add((_r.String(c, "models[].when[]"), _r.Loc(c)));
                if (whenToken is JArray { Count: 0 }) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(whenToken), "models[].when", "must name at least one class");
                if (after is null) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(whenToken), "models[].when", "needs \"after\": the model whose classes it names");
            }
            bool input = _r.Boolean(obj, "input", "models[].") ?? false;
            if (input && after is null) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(obj["input"]!), "models[].input", "needs \"after\": the model whose class it reads");

            var shareToken = obj["share"];
            double? share = _r.Number(obj, "share", 1e-6, 1, "models[].");
            drafts.Add((new ModelSpec
            {
                Name = name,
                NameLocation = _r.Loc(nameToken),
                Features = modelFeatures,
                Classes = classes,
                ClassesLocation = obj["classes"] is { } classesToken ? _r.Loc(classesToken) : null,
                Algorithms = modelAlgorithms,
                Settings = settings,
                ExplicitSettings = explicitSettings,
                Share = 0,
                After = after,
                AfterLocation = afterLocation,
                When = when,
                Input = input,
                Actions = ActionSpecs.ParseModel(obj, root, _r),
            }, shareToken, share));
        }

        CheckModelNames(drafts.Select(d => d.Spec).ToList(), features);
        var shares = Shares(drafts.Select(d => (d.ShareToken, d.Share)).ToList());
        var models = drafts.Select((d, i) => d.Spec with { Share = shares[i] }).ToList();
        var ordered = Order(models);
        foreach (var model in ordered) CheckWhen(model, ordered, dataClasses);
        return ordered;
    }

    /// <summary>"features" of a model: names of .hspec features (all of them without it), in .hspec order.</summary>
    private List<FeatureSpec> ModelFeatures(JObject obj, string model, IReadOnlyList<FeatureSpec> features)
    {
        if (obj["features"] is not { } token) return features.ToList();
        if (token is not JArray array)
        {
            _r.WrongType(token, "models[].features", "an array of feature names");
            return features.ToList();
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(array), "models[].features", "must list at least one feature");
        var chosen = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var item in array)
        {
            string name = _r.String(item, "models[].features[]");
            if (features.All(f => f.Name != name))
                _diagnostics.Report(DiagnosticCatalog.UnknownModelFeature, _r.Loc(item), model, name, string.Join(", ", features.Select(f => f.Name)));
            else if (!chosen.Add(name))
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(item), "models[].features", $"lists '{name}' twice");
        }
        return features.Where(f => chosen.Contains(f.Name)).ToList();
    }

    /// <summary>
    /// Model names become a C# nested class, P4 and Spatial name prefixes and result fields: they must differ as
    /// identifiers. The class input of a model that reads an earlier model's class must not clash with a feature.
    /// </summary>
    private void CheckModelNames(IReadOnlyList<ModelSpec> models, IReadOnlyList<FeatureSpec> features)
    {
        var exact = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var model in models)
            if (!exact.Add(model.Name))
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, model.NameLocation, "models", $"names '{model.Name}' twice");
        foreach (var mapping in new System.Func<string, string>[] { Identifiers.CSharp, Identifiers.Snake })
        {
            var seen = new Dictionary<string, ModelSpec>(System.StringComparer.Ordinal);
            foreach (var model in models)
            {
                string id = mapping(model.Name);
                if (seen.TryGetValue(id, out var other) && other.Name != model.Name)
                    _diagnostics.Report(DiagnosticCatalog.IdentifierCollision, model.NameLocation, "models", other.Name, model.Name, id);
                else seen[id] = model;
            }
            foreach (var model in models.Where(m => m.Input && m.After is not null))
            {
                string input = Schedules.ClassInputName(model.After!);
                foreach (var feature in model.Features.Where(f => mapping(f.Name) == mapping(input)))
                    _diagnostics.Report(DiagnosticCatalog.IdentifierCollision, model.NameLocation, "features", feature.Name, $"{input} (the class '{model.Name}' reads)", mapping(input));
            }
        }
    }

    /// <summary>Each model's share: as declared, else an equal part of what the declared ones leave.</summary>
    private List<double> Shares(IReadOnlyList<(JToken? Token, double? Share)> declared)
    {
        double sum = declared.Sum(d => d.Share ?? 0);
        int open = declared.Count(d => d.Token is null);
        var firstToken = declared.Select(d => d.Token).FirstOrDefault(t => t is not null);
        if (sum > 1 + 1e-9 && firstToken is not null)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(firstToken), "models[].share", $"the declared shares add up to {sum.ToString("0.###", CultureInfo.InvariantCulture)}, more than the whole budget (1)");
        else if (open > 0 && sum >= 1 - 1e-9 && firstToken is not null)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(firstToken), "models[].share", $"the declared shares leave nothing for the {open} model(s) without one");
        double rest = open == 0 ? 0 : Math.Max(0, 1 - sum) / open;
        return declared.Select(d => d.Share ?? (d.Token is null ? rest : 0)).ToList();
    }

    /// <summary>The models in schedule order (list order, each after the one it follows); unknown names and cycles are errors.</summary>
    private List<ModelSpec> Order(List<ModelSpec> models)
    {
        var byName = new Dictionary<string, ModelSpec>(System.StringComparer.Ordinal);
        foreach (var model in models) byName.TryAdd(model.Name, model);
        var broken = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var model in models.Where(m => m.After is not null))
        {
            if (!byName.ContainsKey(model.After!))
            {
                _diagnostics.Report(DiagnosticCatalog.UnknownModel, model.AfterLocation!, "models[].after", model.After!, string.Join(", ", models.Select(m => m.Name)));
                broken.Add(model.Name);
            }
        }
        var reported = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var model in models.Where(m => m.After is not null && !broken.Contains(m.Name)))
        {
            var chain = new List<string> { model.Name };
            var current = model;
            while (current.After is { } next && byName.TryGetValue(next, out var earlier) && !broken.Contains(earlier.Name))
            {
                if (next == model.Name)
                {
                    if (chain.All(reported.Add))
                        _diagnostics.Report(DiagnosticCatalog.ScheduleCycle, model.AfterLocation!, string.Join(" -> ", chain.Append(model.Name).Select(n => $"'{n}'")));
                    broken.UnionWith(chain);
                    break;
                }
                if (chain.Contains(next)) break;   // a cycle further on, reported from one of its own models
                chain.Add(next);
                current = earlier;
            }
        }
        var ordered = new List<ModelSpec>();
        var placed = new HashSet<string>(System.StringComparer.Ordinal);
        while (true)
        {
            var ready = models.FirstOrDefault(m => !placed.Contains(m.Name) && (m.After is null || placed.Contains(m.After)));
            if (ready is null) break;
            ordered.Add(ready);
            placed.Add(ready.Name);
        }
        return ordered;
    }

    /// <summary>The classes "when" names, where the earlier model's classes are declared (else they are checked once the data is read).</summary>
    private void CheckWhen(ModelSpec model, IReadOnlyList<ModelSpec> models, IReadOnlyList<ClassSpec>? dataClasses)
    {
        if (model.After is null || model.When.Count == 0) return;
        var earlier = models.FirstOrDefault(m => m.Name == model.After);
        if (earlier is null) return;
        var classes = earlier.Classes ?? dataClasses;
        if (classes is null) return;
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var (name, location) in model.When)
        {
            if (classes.All(c => c.Name != name))
                _diagnostics.Report(DiagnosticCatalog.UnknownWhenClass, location, name, earlier.Name, string.Join(", ", classes.Select(c => c.Name)));
            else if (!seen.Add(name))
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, location, "models[].when", $"names '{name}' twice");
        }
    }
}
