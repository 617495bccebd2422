package io.galleonfs.node.rest;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;

/**
 * Before every @QuarkusTest method: rest-assured sends the admin token unless the request carries its own
 * Authorization header (registered through META-INF/services, so no test has to remember it). A test of a request
 * without any header uses {@code given().noFilters()}.
 */
public class AdminTokenCallback implements QuarkusTestBeforeEachCallback {
    private static final Filter ADMIN = (request, response, context) -> {
        if (!request.getHeaders().hasHeaderWithName("Authorization")) {
            request.header("Authorization", TestTokens.bearerAdmin());
        }
        return context.next(request, response);
    };

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        RestAssured.replaceFiltersWith(ADMIN);
    }
}
