using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Generators
{
    /// <summary>
    /// What the placeholder stub needs from a .hspec, read without the data (docs/csharp-stub.md,
    /// "Before the first build"): the model name, the features with their declared types, and the declared
    /// classes. Lenient on purpose: anything it cannot make sense of gives <c>null</c> (no placeholder), and
    /// the compiler reports the real problem in the next full build.
    /// </summary>
    internal static class HSpecOutline
    {
        /// <summary>
        /// The outline of a .hspec, or null when the text is not a .hspec this reader understands (JSON errors,
        /// a missing or mistyped <c>name</c>/<c>features</c>/<c>data.classes</c>, names the stub could not
        /// compile: see <see cref="StubNames.Conflicts"/>). Never throws except for cancellation.
        /// </summary>
        public static PlaceholderModel? Read(string text, string specFileName)
        {
            try
            {
                var root = JObject.Parse(text, new JsonLoadSettings
                {
                    CommentHandling = CommentHandling.Ignore,
                    LineInfoHandling = LineInfoHandling.Ignore,
                    DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
                });
                return Read(root, specFileName);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return null;
            }
        }

        private static PlaceholderModel? Read(JObject root, string specFileName)
        {
            // A schedule's stub has a class per model (docs/schedule.md): the placeholder does not know that shape.
            if (root["models"] is not null) return null;
            if (root["name"] is not JValue { Type: JTokenType.String } nameToken) return null;
            string name = (string)nameToken!;
            if (name.Trim().Length == 0) return null;

            if (root["features"] is not JArray featureArray || featureArray.Count == 0) return null;
            var features = new List<PlaceholderFeature>();
            foreach (var item in featureArray)
            {
                var feature = ReadFeature(item);
                if (feature is null) return null;
                features.Add(feature);
            }

            var classes = new List<ClassInfo>();
            bool classesDeclared = false;
            if (root["data"] is JObject data && data["classes"] is { } classToken && classToken.Type != JTokenType.Null)
            {
                if (classToken is not JObject classObject || classObject.Count == 0) return null;
                foreach (var property in classObject.Properties())
                {
                    var cls = ReadClass(property);
                    if (cls is null) return null;
                    classes.Add(cls);
                }
                classesDeclared = true;
            }

            var model = new PlaceholderModel(
                name,
                specFileName,
                features.ToEquatableArray(),
                classes.ToEquatableArray(),
                classesDeclared);

            // Names that could not compile as C# (HMC0006-style): no placeholder; the compiler reports them.
            if (StubNames.Conflicts(model.AsModelFile()).Count > 0) return null;
            return model;
        }

        private static PlaceholderFeature? ReadFeature(JToken item)
        {
            if (item is JValue { Type: JTokenType.String } plain) return new PlaceholderFeature((string)plain!, null);
            if (item is not JObject obj || obj["name"] is not JValue { Type: JTokenType.String } nameToken) return null;
            FeatureKind? kind = null;
            if (obj["type"] is { } typeToken && typeToken.Type != JTokenType.Null)
            {
                if (typeToken is not JValue { Type: JTokenType.String }) return null;
                switch ((string)typeToken!)
                {
                    case "integer": kind = FeatureKind.Integer; break;
                    case "fractional": kind = FeatureKind.Fractional; break;
                    case "categorical": kind = FeatureKind.Categorical; break;
                    default: return null;
                }
            }
            return new PlaceholderFeature((string)nameToken!, kind);
        }

        private static ClassInfo? ReadClass(JProperty property)
        {
            if (property.Value is JValue { Type: JTokenType.String } star && (string)star! == "*")
                return new ClassInfo { Name = property.Name, TakesOtherLabels = true };
            var labels = new List<string>();
            IEnumerable<JToken> values = property.Value is JArray array ? array : new[] { property.Value };
            foreach (var value in values)
            {
                // Labels are strings; numbers are accepted as their JSON text (labels like 0/1 in CSV data).
                if (value is JValue { Type: JTokenType.String or JTokenType.Integer or JTokenType.Float } label)
                    labels.Add(label.Type == JTokenType.String ? (string)label! : label.ToString(Formatting.None));
                else
                    return null;
            }
            return new ClassInfo { Name = property.Name, Labels = labels.ToEquatableArray() };
        }
    }

    /// <summary>A feature as the .hspec declares it; <c>Kind</c> null when it declares no type (the data decides).</summary>
    internal sealed record PlaceholderFeature(string Name, FeatureKind? Kind);

    /// <summary>The .hspec's outline: all the placeholder stub is made of (equatable, so the pipeline caches it).</summary>
    internal sealed record PlaceholderModel(
        string Name,
        string SpecFile,
        EquatableArray<PlaceholderFeature> Features,
        EquatableArray<ClassInfo> Classes,
        bool ClassesDeclared)
    {
        /// <summary>
        /// A model file with the outline's names, for the shared naming rules (<see cref="StubNames"/>): categorical
        /// features have no categories (their enum holds only <c>Unknown</c>), undeclared types count as fractional.
        /// </summary>
        public ModelFile AsModelFile() => new ModelFile
        {
            Name = Name,
            SpecFile = SpecFile,
            Features = Features.Select(f => new FeatureEncoding { Name = f.Name, Kind = f.Kind ?? FeatureKind.Fractional }).ToEquatableArray(),
            Classes = Classes,
        };
    }
}
