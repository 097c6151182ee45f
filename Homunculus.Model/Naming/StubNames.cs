using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Naming
{
    /// <summary>
    /// The fixed names of the generated C# stub (docs/csharp-stub.md) and the rules that keep user names
    /// (model, features, categories, classes) from colliding with them. The compiler calls
    /// <see cref="Conflicts"/> to reject a spec early; the source generator calls it again before emitting.
    /// </summary>
    public static class StubNames
    {
        // Members of the stub class (public API).
        public const string ClassEnum = "Class";
        public const string FeaturesStruct = "Features";
        public const string FeatureCount = "FeatureCount";
        public const string ClassCount = "ClassCount";
        public const string FeatureNames = "FeatureNames";
        public const string ClassNames = "ClassNames";
        public const string Predict = "Predict";
        public const string PredictEncoded = "PredictEncoded";
        public const string Encode = "Encode";
        public const string Parse = "Parse";
        public const string TryGetClass = "TryGetClass";

        // Private helpers of the stub class.
        public const string Evaluate = "Evaluate";
        public const string EncodeNumber = "EncodeNumber";
        public const string Compand = "Compand";
        public const string Relu = "Relu";
        public const string ReadNumber = "ReadNumber";
        public const string ReadInteger = "ReadInteger";
        public const string FromPacket = "FromPacket";
        public const string ParseFrame = "ParseFrame";
        public const string ReadFields = "ReadFields";
        public const string Crc32 = "Crc32";

        /// <summary>The nested flow tracker of a model with flow state (docs/flow-features.md) and its methods.</summary>
        public const string FlowTracker = "FlowTracker";
        public const string Observe = "Observe";
        public const string Classify = "Classify";

        /// <summary>The per-class actions of a model that declares them (docs/actions.md).</summary>
        public const string PacketAction = "PacketAction";
        public const string ActionOf = "ActionOf";
        public const string ActionArgument = "ActionArgument";
        public const string RewriteDscp = "RewriteDscp";

        /// <summary>The combined decision of a schedule (docs/schedule.md): the struct, and the methods that compute it.</summary>
        public const string DecisionStruct = "Decision";
        public const string Decide = "Decide";
        public const string DecideEncoded = "DecideEncoded";

        /// <summary>Prefix of the per-categorical-feature parse method (<c>ParseProtocolType</c>).</summary>
        public const string ParsePrefix = "Parse";

        /// <summary>The last member of every categorical enum, valued <see cref="FeatureEncoding.UnknownCode"/>.</summary>
        public const string UnknownMember = "Unknown";

        private static readonly string[] ReservedNames =
        {
            ClassEnum, FeaturesStruct, FeatureCount, ClassCount, FeatureNames, ClassNames, Predict, PredictEncoded,
            Encode, Parse, TryGetClass, Evaluate, EncodeNumber, Compand, Relu, ReadNumber, ReadInteger, FromPacket,
            ParseFrame, ReadFields, Crc32, FlowTracker,
            PacketAction, ActionOf, ActionArgument, RewriteDscp, DecisionStruct, Decide, DecideEncoded,
        };

        /// <summary>Members every class and struct inherits from <see cref="object"/>: a nested type or field of that name would hide one.</summary>
        private static readonly string[] ObjectMemberNames =
        {
            "Equals", "Finalize", "GetHashCode", "GetType", "MemberwiseClone", "ReferenceEquals", "ToString",
        };

        /// <summary>Members every enum inherits (System.Enum, object): an enum member of that name would hide one.</summary>
        private static readonly string[] EnumMemberNames =
        {
            "CompareTo", "Equals", "Finalize", "Format", "GetHashCode", "GetName", "GetNames", "GetType", "GetTypeCode",
            "GetUnderlyingType", "GetValues", "GetValuesAsUnderlyingType", "HasFlag", "IsDefined", "MemberwiseClone",
            "Parse", "ReferenceEquals", "ToObject", "ToString", "TryFormat", "TryParse",
        };

        /// <summary>
        /// Names of the stub class's own members. A categorical feature's enum is a member of the stub class too,
        /// so its identifier must not be one of these (nor an inherited member of <see cref="object"/>).
        /// </summary>
        public static IReadOnlyCollection<string> Reserved { get; } = Array.AsReadOnly(ReservedNames);

        /// <summary>Names a field of <c>Features</c> (any feature's identifier) must not take.</summary>
        public static IReadOnlyCollection<string> ReservedForFeatureFields { get; } =
            Array.AsReadOnly(new[] { FeaturesStruct }.Concat(ObjectMemberNames).ToArray());

        /// <summary>The parse method of a categorical feature whose enum is <paramref name="enumIdentifier"/>.</summary>
        public static string ParseMethod(string enumIdentifier) => ParsePrefix + enumIdentifier;

        /// <summary>The stub's type name for a model.</summary>
        public static string TypeName(ModelFile model) => Identifiers.CSharp(model.Name);

        /// <summary>
        /// Member names of a categorical feature's enum, one per code 0..UnknownCode (the last is
        /// <see cref="UnknownMember"/>). Every name that collides (with another category, with Unknown, with the
        /// enum's own name or with a member every enum inherits) gets the suffix "_&lt;code&gt;"; identifiers never
        /// contain an inner "_", so the result is always unique.
        /// </summary>
        public static IReadOnlyList<string> CategoryMembers(FeatureEncoding feature)
        {
            var names = feature.Categories.Select(Identifiers.CSharp).ToList();
            return Disambiguate(names, Identifiers.CSharp(feature.Name), UnknownMember);
        }

        /// <summary>Member names of the <c>Class</c> enum, one per class index (collisions suffixed "_&lt;index&gt;").</summary>
        public static IReadOnlyList<string> ClassMembers(IReadOnlyList<ClassInfo> classes)
        {
            var names = classes.Select(c => Identifiers.CSharp(c.Name)).ToList();
            return Disambiguate(names, ClassEnum, null);
        }

        private static IReadOnlyList<string> Disambiguate(List<string> names, string enumName, string? fixedLast)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var name in names) counts[name] = counts.TryGetValue(name, out var n) ? n + 1 : 1;
            var result = new List<string>(names.Count + 1);
            for (int code = 0; code < names.Count; code++)
            {
                var name = names[code];
                bool collides = counts[name] > 1
                    || string.Equals(name, enumName, StringComparison.Ordinal)
                    || string.Equals(name, fixedLast, StringComparison.Ordinal)
                    || Array.IndexOf(EnumMemberNames, name) >= 0;
                result.Add(collides ? name + "_" + code.ToString(CultureInfo.InvariantCulture) : name);
            }
            if (fixedLast != null) result.Add(fixedLast);
            return result;
        }

        /// <summary>
        /// Why the stub of <paramref name="model"/> could not compile, one message per problem (empty when it can).
        /// Checks the type name, feature field names and categorical enum/parse-method names; category and class
        /// member names never conflict (see <see cref="CategoryMembers"/>).
        /// </summary>
        public static IReadOnlyList<string> Conflicts(ModelFile model)
        {
            var problems = new List<string>();
            string typeName = TypeName(model);
            if (ReservedNames.Contains(typeName, StringComparer.Ordinal))
                problems.Add($"the model name '{model.Name}' maps to '{typeName}', a member name of the generated class");

            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            var memberNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in ReservedNames.Concat(ObjectMemberNames)) memberNames[name] = "a member name of the generated class";
            foreach (var feature in model.Features)
            {
                if (feature.Kind != FeatureKind.Categorical) continue;
                string parse = ParseMethod(Identifiers.CSharp(feature.Name));
                if (memberNames.TryGetValue(parse, out var taken))
                    problems.Add($"categorical feature '{feature.Name}' needs the method '{parse}', which is {taken}");
                else
                    memberNames[parse] = $"the parse method of feature '{feature.Name}'";
            }

            if (Schedules.Of(model) is { } schedule)
            {
                // Each model is a nested class of the stub and a field of Decision.
                var models = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var scheduled in schedule.Models)
                {
                    string id = Identifiers.CSharp(scheduled.Name);
                    if (models.TryGetValue(id, out var other))
                        problems.Add($"models '{other}' and '{scheduled.Name}' both map to the identifier '{id}'");
                    else if (memberNames.TryGetValue(id, out var taken))
                        problems.Add($"model '{scheduled.Name}' maps to '{id}', which is {taken}");
                    else if (string.Equals(id, typeName, StringComparison.Ordinal))
                        problems.Add($"model '{scheduled.Name}' maps to '{id}', the name of the generated class");
                    else if (model.Features.Any(f => f.Kind == FeatureKind.Categorical && Identifiers.CSharp(f.Name) == id))
                        problems.Add($"model '{scheduled.Name}' maps to '{id}', the enum of a categorical feature");
                    models[id] = scheduled.Name;
                }
            }

            foreach (var feature in model.Features)
            {
                string id = Identifiers.CSharp(feature.Name);
                if (seen.TryGetValue(id, out var other))
                {
                    problems.Add($"features '{other}' and '{feature.Name}' both map to the identifier '{id}'");
                    continue;
                }
                seen[id] = feature.Name;
                if (ReservedForFeatureFields.Contains(id, StringComparer.Ordinal))
                    problems.Add($"feature '{feature.Name}' maps to '{id}', which a field of {FeaturesStruct} cannot be named");
                else if (feature.Kind == FeatureKind.Categorical)
                {
                    if (memberNames.TryGetValue(id, out var what))
                        problems.Add($"categorical feature '{feature.Name}' maps to the enum '{id}', which is {what}");
                    else if (string.Equals(id, typeName, StringComparison.Ordinal))
                        problems.Add($"categorical feature '{feature.Name}' maps to the enum '{id}', the name of the generated class");
                }
            }
            return problems;
        }
    }
}
