import type { AuthChecker } from 'type-graphql';

import { type Role, roleAtLeast } from '../../domain/roles';
import { apiError } from '../../services/errors';
import type { AppContext } from '../context';

/**
 * `@Authorized('OPERATOR')` means OPERATOR or above. An unauthenticated
 * caller never gets this far (the context refuses it), so a denial here is
 * FORBIDDEN.
 */
export const authChecker: AuthChecker<AppContext, Role> = ({ context }, roles) => {
  const need = roles[0];
  if (!need) return true;
  if (roleAtLeast(context.principal.role, need)) return true;
  throw apiError('FORBIDDEN', `this operation needs the ${need} role`);
};
