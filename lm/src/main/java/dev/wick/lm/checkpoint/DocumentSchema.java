package dev.wick.lm.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Checks a parsed JSON tree against the records that describe it ({@link CheckpointDocument} and
 * its parts), before a lenient binder could fill gaps with zeros or take "12" for 12: every object
 * holds only the records' fields, each value has its field's type (an integer in range, a finite
 * number, a string, true or false, an array of those, an object), and null only where the field is
 * not a primitive. With {@code everyField} (documents of the current version, which write every
 * field) each field must be present; otherwise (the legacy version, which left out the fields it did
 * not have) the primitive ones must. What a null or an absent field means is left to
 * {@link DocumentCheck}. Each failure is an IllegalArgumentException naming the field.
 */
final class DocumentSchema {
    private DocumentSchema() {
    }

    static void check(JsonElement root, Class<?> record, boolean everyField) {
        check(root, record, "", everyField);
    }

    private static void check(JsonElement value, Class<?> type, String field, boolean everyField) {
        if (value.isJsonNull()) {
            if (type.isPrimitive()) throw wrong(field, describe(type), value);
            return;
        }
        if (type.isRecord()) {
            checkRecord(value, type, field, everyField);
        } else if (type.isArray()) {
            if (!value.isJsonArray()) throw wrong(field, describe(type), value);
            int i = 0;
            for (JsonElement element : value.getAsJsonArray()) {
                String at = field + "[" + i++ + "]";
                if (element.isJsonNull()) throw wrong(at, describe(type.getComponentType()), element);
                check(element, type.getComponentType(), at, everyField);
            }
        } else if (type == String.class) {
            if (!(value instanceof JsonPrimitive p) || !p.isString()) throw wrong(field, describe(type), value);
        } else if (type == boolean.class || type == Boolean.class) {
            if (!(value instanceof JsonPrimitive p) || !p.isBoolean()) throw wrong(field, describe(type), value);
        } else {
            checkNumber(value, type, field);
        }
    }

    private static void checkRecord(JsonElement value, Class<?> type, String field, boolean everyField) {
        if (!value.isJsonObject()) throw wrong(field, describe(type), value);
        JsonObject object = value.getAsJsonObject();
        Set<String> names = new LinkedHashSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            names.add(c.getName());
            String at = join(field, c.getName());
            JsonElement v = object.get(c.getName());
            if (v == null) {
                if (everyField || c.getType().isPrimitive()) throw new IllegalArgumentException("'" + at + "' is missing");
                continue;
            }
            check(v, c.getType(), at, everyField);
        }
        for (String name : object.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("'" + join(field, name) + "' is not a field of a checkpoint document");
            }
        }
    }

    private static void checkNumber(JsonElement value, Class<?> type, String field) {
        if (!(value instanceof JsonPrimitive p) || !p.isNumber()) throw wrong(field, describe(type), value);
        BigDecimal n = p.getAsBigDecimal();
        try {
            if (type == int.class || type == Integer.class) {
                if (n.scale() != 0) throw wrong(field, describe(type), value);
                n.intValueExact();
            } else if (type == long.class || type == Long.class) {
                if (n.scale() != 0) throw wrong(field, describe(type), value);
                n.longValueExact();
            } else if (type == double.class || type == Double.class) {
                if (!Double.isFinite(n.doubleValue())) throw wrong(field, describe(type), value);
            } else {
                throw new IllegalStateException("no rule for a field of type " + type + " ('" + field + "')");
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + field + "' is out of range: " + value);
        }
    }

    private static String describe(Class<?> type) {
        if (type.isRecord()) return "an object";
        if (type.isArray()) return "an array";
        if (type == String.class) return "a string";
        if (type == boolean.class || type == Boolean.class) return "true or false";
        if (type == double.class || type == Double.class) return "a finite number";
        return "an integer";
    }

    private static IllegalArgumentException wrong(String field, String expected, JsonElement value) {
        String shown = value.toString();
        if (shown.length() > 40) shown = shown.substring(0, 40) + "...";
        return new IllegalArgumentException("'" + (field.isEmpty() ? "the document" : field) + "' must be " + expected
                + ", not " + shown);
    }

    private static String join(String field, String name) {
        return field.isEmpty() ? name : field + "." + name;
    }
}
